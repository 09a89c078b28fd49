import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canAdminister, canRead, canWrite } from './grants.js';
import type { Principal } from './principal.js';

const rideRequested = { owner: 'rides-team', writers: ['rides-service'], readers: ['billing'] };

function principal(id: string, admin = false): Principal {
  return { id, kind: 'api_key', authtype: 'api_key', admin };
}

// [principal, may write, may read, may administer]
const cases: Array<[Principal, boolean, boolean, boolean]> = [
  [principal('rides-service'), true, false, false],
  [principal('billing'), false, true, false],
  [principal('rides-team'), false, true, true],
  [principal('analytics'), false, false, false],
  [principal('ops', true), true, true, true],
  [{ id: 'admin', kind: 'admin', authtype: 'system', admin: true }, true, true, true],
];

for (const [who, write, read, administer] of cases) {
  test(`${who.id}${who.admin ? ' (admin)' : ''}: write ${write}, read ${read}, administer ${administer}`, () => {
    assert.equal(canWrite(who, rideRequested), write);
    assert.equal(canRead(who, rideRequested), read);
    assert.equal(canAdminister(who, rideRequested), administer);
  });
}

test('grants match principal ids exactly, whatever the kind of credential', () => {
  const jwtPrincipal: Principal = { id: 'rides-service', kind: 'jwt', authtype: 'service_account', admin: false };
  assert.equal(canWrite(jwtPrincipal, rideRequested), true);
  assert.equal(canWrite(principal('Rides-Service'), rideRequested), false);
  assert.equal(canRead(principal('bill'), rideRequested), false);
});
