// Every command, in the order --help lists them.
import type { Command } from '../command.js';
import { groupsRewind } from './groups.js';
import { publish } from './publish.js';
import { replayCancel, replayLs, replayPause, replayResume, replayStart, replayStatus } from './replay.js';
import { subsCreate, subsLs, subsShow, subsTest } from './subs.js';
import { tail } from './tail.js';
import { typesCreate, typesLs, typesShow } from './types.js';

export const COMMANDS: readonly Command[] = [
  publish,
  tail,
  typesLs,
  typesShow,
  typesCreate,
  subsLs,
  subsShow,
  subsCreate,
  subsTest,
  replayStart,
  replayStatus,
  replayLs,
  replayPause,
  replayResume,
  replayCancel,
  groupsRewind,
];
