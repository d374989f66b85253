import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MastershipRecorder, agreed, electionConformanceCases, member, waitForAll, waitForLost, waitForState,
  type ElectionFixture,
} from './election-conformance';
import { MemoryElection, MemoryElectionHub } from '../src/election/memory';
import { UNREADABLE, decide, rankMembers, type GroupView, type MemberRecord } from '../src/election/rules';
import type { Election } from '../src/election/types';

function idOf(e: Election): string {
  const id = (e as MemoryElection).id;
  if (id === undefined) throw new Error('not started');
  return id;
}

const fixture: ElectionFixture = {
  timeoutMs: 2000,
  async group() {
    const hub = new MemoryElectionHub();
    const nodes: MemoryElection[] = [];
    return {
      async create(opts) {
        const e = new MemoryElection(hub, opts);
        nodes.push(e);
        return e;
      },
      async partition(e) {
        hub.partition(idOf(e));
      },
      async heal(e) {
        hub.heal(idOf(e));
      },
      async expire(e) {
        hub.expire(idOf(e));
      },
      async close() {
        await Promise.all(nodes.map((n) => n.stop()));
      },
    };
  },
};

describe('election (memory) - conformance', () => {
  for (const c of electionConformanceCases(fixture)) it(c.name, c.run);
});

describe('election (memory) - hub', () => {
  it('a connected master whose session expires emits lost, rejoins, and the group elects again', async () => {
    const hub = new MemoryElectionHub();
    const nodes = ['a', 'b', 'c'].map(() => new MemoryElection(hub));
    const [a, b, c] = nodes as [MemoryElection, MemoryElection, MemoryElection];
    try {
      await Promise.all([
        a.start(member('a', { epoch: 1, index: 30 })),
        b.start(member('b', { epoch: 1, index: 20 })),
        c.start(member('c', { epoch: 1, index: 10 })),
      ]);
      const [first] = await waitForAll(nodes, agreed('a', 3), 1000);
      const lost = waitForLost(a, 1000);
      hub.expire('a');
      assert.match(await lost, /expired/);
      const [second] = await waitForAll(nodes, agreed(undefined, 3), 1000, 'one master again, a rejoined');
      assert.ok((second?.epoch ?? 0) > (first?.epoch ?? 0));
      assert.equal(hub.memberIds().length, 3);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });

  it('a member that joined while a master served is waited for after that master, not outvoted by the position it joined with', async () => {
    const hub = new MemoryElectionHub();
    const a = new MemoryElection(hub);
    const b = new MemoryElection(hub);
    let c = new MemoryElection(hub);
    try {
      await a.start(member('a', { epoch: 1, index: 30 }));
      await b.start(member('b', { epoch: 1, index: 20 }));
      await c.start(member('c', { epoch: 1, index: 10 }));
      await waitForAll([a, b, c], agreed('a', 3), 1000, 'a elected');
      // c leaves and joins again: its record is written while a is master, at c's position then.
      await c.stop();
      c = new MemoryElection(hub);
      await c.start(member('c', { epoch: 1, index: 10 }));
      await waitForAll([a, b, c], agreed('a', 3), 1000, 'c back as a slave');
      // As slaves they receive a's batches (c more than b), which they publish only as candidates.
      await c.updatePosition({ epoch: 1, index: 50 });
      await b.updatePosition({ epoch: 1, index: 40 });
      // a and c die together: c's record outlives it until its session expires; a's goes first.
      hub.partition('c');
      hub.partition('a');
      hub.expire('a');
      const published = await waitForState(b, (s) => s.members.some((m) => m.id === 'b' && m.position.index === 40), 1000, 'b publishes 40');
      assert.equal(published.role, 'candidate', 'b must not claim over c, whose position it does not know');
      assert.equal(hub.masterId(), undefined);
      hub.heal('c');
      await waitForAll([b, c], agreed('c', 2), 1000, 'c (50) elected once it publishes');
    } finally {
      await Promise.all([a, b, c].map((n) => n.stop()));
    }
  });

  it('stop() before registration rejects start()', async () => {
    const hub = new MemoryElectionHub();
    const a = new MemoryElection(hub);
    hub.partition('a'); // no effect: not registered yet
    const started = a.start(member('a', { epoch: 0, index: 0 }));
    await a.stop();
    await started.then(
      () => assert.ok(true), // registration can win the race: both outcomes are fine
      (err: Error) => assert.match(err.message, /stopped/),
    );
  });

  it('state events follow member changes', async () => {
    const hub = new MemoryElectionHub();
    const a = new MemoryElection(hub);
    const b = new MemoryElection(hub);
    try {
      await a.start(member('a', { epoch: 0, index: 0 }));
      await b.start(member('b', { epoch: 0, index: 0 }));
      await waitForState(a, (s) => s.members.length === 2, 1000, 'a sees b');
      await b.stop();
      await waitForState(a, (s) => s.members.length === 1 && s.role === 'candidate', 1000, 'a sees b leave');
    } finally {
      await a.stop();
    }
  });
});

describe('election (memory) - rules', () => {
  const rec = (node: string, seq: number, index: number, reportedFor = 0, weight?: number): MemberRecord => ({
    node, seq, reportedFor, info: member(node, { epoch: 1, index }, weight),
  });

  it('ranks by position, weight, then registration order', () => {
    const ranked = rankMembers([rec('a', 0, 5), rec('b', 1, 9), rec('c', 2, 9, 0, 2), rec('d', 3, 9, 0, 2)]);
    assert.deepEqual(ranked.map((r) => r.node), ['c', 'd', 'b', 'a']);
  });

  it('waits until every present member has reported for the current epoch', () => {
    const view: GroupView = { members: [rec('a', 0, 9, 4), rec('b', 1, 1, 3)], groupEpoch: 4 };
    const self = { node: 'a', position: { epoch: 1, index: 9 }, info: member('a', { epoch: 1, index: 9 }) };
    assert.equal(decide(view, self, 3).kind, 'wait');
    const reported: GroupView = { ...view, members: [rec('a', 0, 9, 4), rec('b', 1, 1, 4)] };
    assert.deepEqual(decide(reported, self, 3), { kind: 'claim', epoch: 5 });
  });

  it('counts one member per id (an old session not yet expired does not make a quorum)', () => {
    const view: GroupView = { members: [rec('a', 0, 9), { ...rec('a', 1, 9), node: 'a2' }], groupEpoch: 0 };
    const self = { node: 'a2', position: { epoch: 1, index: 9 }, info: member('a', { epoch: 1, index: 9 }) };
    assert.equal(decide(view, self, 3).kind, 'wait');
  });

  it('an unreadable master record blocks the election instead of looking like a vacancy', () => {
    const master = { node: UNREADABLE, epoch: 0, member: member('', { epoch: 0, index: 0 }) };
    const self = { node: 'a', position: { epoch: 1, index: 9 }, info: member('a', { epoch: 1, index: 9 }) };
    const d = decide({ members: [rec('a', 0, 9), rec('b', 1, 1)], master, groupEpoch: 0 }, self, 3);
    assert.equal(d.kind, 'wait');
  });

  it('a master record of a term given up is resigned; quorum loss resigns with lost', () => {
    const members = [rec('a', 0, 9), rec('b', 1, 1)];
    const master = { node: 'a', epoch: 3, member: member('a', { epoch: 1, index: 9 }) };
    const self = { node: 'a', position: { epoch: 1, index: 9 }, info: member('a', { epoch: 1, index: 9 }) };
    assert.equal(decide({ members, master, groupEpoch: 3 }, self, 3).kind, 'resign');
    assert.equal(decide({ members, master, groupEpoch: 3 }, { ...self, term: 3 }, 3).kind, 'serve');
    const alone = decide({ members: [rec('a', 0, 9)], master, groupEpoch: 3 }, { ...self, term: 3 }, 3);
    assert.deepEqual(alone.kind === 'resign' && alone.lost, true);
  });
});

describe('election (memory) - faults (property)', () => {
  type Op = { kind: 'partition' | 'heal' | 'expire' | 'restart'; node: number };
  const ops = fc.array(
    fc.record({ kind: fc.constantFrom('partition', 'heal', 'expire', 'restart'), node: fc.integer({ min: 0, max: 2 }) }),
    { maxLength: 12 },
  ) as fc.Arbitrary<Op[]>;

  it('never two masters at once, and one master once every fault is healed', async () => {
    await fc.assert(
      fc.asyncProperty(ops, async (script) => {
        const hub = new MemoryElectionHub();
        const recorder = new MastershipRecorder();
        const ids = ['a', 'b', 'c'];
        const start = async (i: number): Promise<MemoryElection> => {
          const id = ids[i] ?? '?';
          const e = new MemoryElection(hub);
          recorder.watch(e, id);
          await e.start(member(id, { epoch: 1, index: 10 * (i + 1) }));
          return e;
        };
        const nodes = await Promise.all([0, 1, 2].map(start));
        try {
          for (const op of script) {
            const id = ids[op.node] ?? '?';
            if (op.kind === 'partition') hub.partition(id);
            if (op.kind === 'heal') hub.heal(id);
            if (op.kind === 'expire') hub.expire(id);
            if (op.kind === 'restart') {
              recorder.end(id);
              await nodes[op.node]?.stop();
              nodes[op.node] = await start(op.node);
            }
            await new Promise((r) => setImmediate(r));
          }
          for (const id of ids) hub.heal(id);
          await waitForAll(nodes, agreed(undefined, 3), 2000, 'one master after healing');
          recorder.assertSafe();
        } finally {
          await Promise.all(nodes.map((n) => n.stop()));
        }
      }),
      { numRuns: 40 },
    );
  });
});
