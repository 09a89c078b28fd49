// Who may do what with an event type. Grants name principal ids: an API key's id, or a JWT's
// principal claim (`sub` by default). An admin may do everything.
import type { Principal } from './principal.js';

export interface EventTypeGrants {
  owner: string;
  writers: readonly string[];
  readers: readonly string[];
}

/** Publish events of the type: an admin, or a listed writer (owning a type does not make one a writer). */
export function canWrite(principal: Principal, eventType: Pick<EventTypeGrants, 'owner' | 'writers'>): boolean {
  return principal.admin || eventType.writers.includes(principal.id);
}

/** Consume or replay events of the type: an admin, the owner, or a listed reader. */
export function canRead(principal: Principal, eventType: Pick<EventTypeGrants, 'owner' | 'readers'>): boolean {
  return principal.admin || eventType.owner === principal.id || eventType.readers.includes(principal.id);
}

/** Change or delete the type: an admin or the owner. */
export function canAdminister(principal: Principal, eventType: Pick<EventTypeGrants, 'owner'>): boolean {
  return principal.admin || eventType.owner === principal.id;
}
