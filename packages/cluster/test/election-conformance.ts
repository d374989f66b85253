// One behavioural suite for every Election implementation (the aedes-persistence "abstract"
// pattern): the in-memory fake and ZooKeeper must pass the same cases. It is framework-free:
// a test file turns each case into an `it()`. Also the waiting helpers tests need.

import assert from 'node:assert/strict';
import type { Election, ElectionState, MemberInfo, Position } from '../src/election/types';

/** One group (a fresh zkPath or hub) of nodes under test. */
export interface ElectionGroupFixture {
  /** A new, not yet started node of this group. */
  create(opts?: { replicas?: number }): Promise<Election>;
  /** Cuts the node off from the coordination service; its session lives on for now. */
  partition(e: Election): Promise<void>;
  /** Reconnects a partitioned node. */
  heal(e: Election): Promise<void>;
  /**
   * Lets the session of a partitioned node expire. The in-memory hub expires it now;
   * ZooKeeper does it by itself after the session timeout (the cases wait for its effect).
   */
  expire(e: Election): Promise<void>;
  /** Stops every node and releases what the group opened. */
  close(): Promise<void>;
}

export interface ElectionFixture {
  group(): Promise<ElectionGroupFixture>;
  /** Deadline of each wait in the cases. */
  timeoutMs: number;
}

export interface ElectionCase {
  name: string;
  run(): Promise<void>;
}

/** Resolves with the first state (current or future) that satisfies the predicate. */
export function waitForState(
  e: Election,
  predicate: (s: ElectionState) => boolean,
  timeoutMs: number,
  what = 'the expected state',
): Promise<ElectionState> {
  const now = e.state();
  if (predicate(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const onState = (s: ElectionState): void => {
      if (!predicate(s)) return;
      cleanup();
      resolve(s);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; state: ${JSON.stringify(e.state())}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      e.off('state', onState);
    };
    e.on('state', onState);
  });
}

/** Resolves when every node's state satisfies the predicate at the same time. */
export async function waitForAll(
  nodes: readonly Election[],
  predicate: (states: ElectionState[]) => boolean,
  timeoutMs: number,
  what = 'the expected states',
): Promise<ElectionState[]> {
  const check = (): ElectionState[] | undefined => {
    const states = nodes.map((n) => n.state());
    return predicate(states) ? states : undefined;
  };
  const ready = check();
  if (ready) return ready;
  return new Promise((resolve, reject) => {
    const onState = (): void => {
      const states = check();
      if (!states) return;
      cleanup();
      resolve(states);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; states: ${JSON.stringify(nodes.map((n) => n.state()))}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      for (const n of nodes) n.off('state', onState);
    };
    for (const n of nodes) n.on('state', onState);
  });
}

/** Resolves with the reason of the next 'lost' event. */
export function waitForLost(e: Election, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const onLost = (reason: string): void => {
      clearTimeout(timer);
      resolve(reason);
    };
    const timer = setTimeout(() => {
      e.off('lost', onLost);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for 'lost'; state: ${JSON.stringify(e.state())}`));
    }, timeoutMs);
    e.once('lost', onLost);
  });
}

/** All nodes agree: one master (with this id, if given), the others slaves of it, same epoch. */
export function agreed(masterId?: string, size?: number): (states: ElectionState[]) => boolean {
  return (states) => {
    const masters = states.filter((s) => s.role === 'master');
    const first = states[0];
    if (masters.length !== 1 || first === undefined) return false;
    const id = first.master?.id;
    if (id === undefined || (masterId !== undefined && id !== masterId)) return false;
    return states.every((s) => (s.role === 'master' || s.role === 'slave') && s.master?.id === id &&
      s.epoch === first.epoch && (size === undefined || s.members.length === size));
  };
}

export function member(id: string, position: Position, weight?: number): MemberInfo {
  const info: MemberInfo = { id, clientUrl: `tcp://${id}:61616`, replicationUrl: `tcp://${id}:61619`, position };
  if (weight !== undefined) info.weight = weight;
  return info;
}

/**
 * Watches nodes and checks the safety property: mastership intervals (from the 'master' state
 * to 'lost' or stop) of different nodes never overlap, and an epoch belongs to one node.
 */
export class MastershipRecorder {
  private readonly open = new Map<string, { start: number; epoch: number }>();
  private readonly intervals: Array<{ id: string; epoch: number; start: number; end: number }> = [];
  private seq = 0;

  watch(e: Election, id: string): void {
    e.on('state', (s) => {
      if (s.role === 'master' && !this.open.has(id)) this.open.set(id, { start: this.tick(), epoch: s.epoch });
      if (s.role !== 'master') this.end(id);
    });
  }

  /** The node was stopped (a stopped node emits nothing). */
  end(id: string): void {
    const o = this.open.get(id);
    if (!o) return;
    this.open.delete(id);
    this.intervals.push({ id, epoch: o.epoch, start: o.start, end: this.tick() });
  }

  /** Mastership epochs of a node, in order. */
  epochsOf(id: string): number[] {
    return this.all().filter((i) => i.id === id).map((i) => i.epoch);
  }

  masters(): string[] {
    return this.all().map((i) => i.id);
  }

  assertSafe(): void {
    const all = this.all();
    for (const a of all) {
      for (const b of all) {
        if (a === b) continue;
        assert.ok(a.epoch !== b.epoch || a.id === b.id, `epoch ${a.epoch} was held by ${a.id} and ${b.id}`);
        if (a.id !== b.id) {
          assert.ok(a.end <= b.start || b.end <= a.start,
            `${a.id} (epoch ${a.epoch}) and ${b.id} (epoch ${b.epoch}) were master at the same time`);
        }
      }
    }
  }

  private all(): Array<{ id: string; epoch: number; start: number; end: number }> {
    const now = this.seq + 1;
    return [...this.intervals, ...[...this.open].map(([id, o]) => ({ id, epoch: o.epoch, start: o.start, end: now }))]
      .sort((a, b) => a.start - b.start);
  }

  private tick(): number {
    return ++this.seq;
  }
}

/** The cases every Election implementation must pass. */
export function electionConformanceCases(fixture: ElectionFixture): ElectionCase[] {
  const t = fixture.timeoutMs;

  /** Runs a body with a fresh group and a recorder; stops everything afterwards. */
  const withGroup = (body: (g: Group) => Promise<void>) => async (): Promise<void> => {
    const fx = await fixture.group();
    const g = new Group(fx);
    try {
      await body(g);
      g.recorder.assertSafe();
    } finally {
      await g.close();
    }
  };

  return [
    {
      name: 'elects exactly one master among three members; slaves learn its URLs',
      run: withGroup(async (g) => {
        const [b, a, c] = await g.startAll([member('b', { epoch: 1, index: 20 }), member('a', { epoch: 1, index: 10 }), member('c', { epoch: 1, index: 15 })]);
        const states = await waitForAll([a, b, c], agreed('b', 3), t, 'b elected by all three');
        assert.deepEqual(states.map((s) => s.role), ['slave', 'master', 'slave']);
        for (const s of states) {
          assert.equal(s.master?.clientUrl, 'tcp://b:61616');
          assert.equal(s.master?.replicationUrl, 'tcp://b:61619');
          assert.deepEqual(s.members.map((m) => m.id).sort(), ['a', 'b', 'c']);
        }
        assert.equal(states[1]?.epoch, 2, 'first epoch is above every epoch in the members\' logs');
      }),
    },
    {
      name: 'elects no master while only one of three members is present',
      run: withGroup(async (g) => {
        const [a] = await g.startAll([member('a', { epoch: 0, index: 5 })]);
        const alone = await waitForState(a, (s) => s.members.length === 1, t, 'a sees itself');
        assert.equal(alone.role, 'candidate');
        assert.equal(alone.master, undefined);
        const [b] = await g.startAll([member('b', { epoch: 0, index: 1 })]);
        const [sa] = await waitForAll([a, b], agreed('a', 2), t, 'a elected once b joined');
        // Had a master been elected alone, this would be a later epoch, and recorded.
        assert.equal(sa?.epoch, 1);
        assert.deepEqual(g.recorder.masters(), ['a']);
      }),
    },
    {
      name: 'a group of one (replicas 1) elects its only member',
      run: withGroup(async (g) => {
        const [a] = await g.startAll([member('a', { epoch: 0, index: 0 })], { replicas: 1 });
        const s = await waitForState(a, (x) => x.role === 'master', t, 'a master');
        assert.equal(s.epoch, 1);
      }),
    },
    {
      name: 'the highest position wins, by epoch first, then index',
      run: withGroup(async (g) => {
        const nodes = await g.startAll([member('b', { epoch: 2, index: 1 }), member('a', { epoch: 1, index: 100 }), member('c', { epoch: 1, index: 50 })]);
        const [s] = await waitForAll(nodes, agreed('b', 3), t, 'b (epoch 2) elected');
        assert.equal(s?.epoch, 3);
      }),
    },
    {
      name: 'equal positions: the highest weight wins',
      run: withGroup(async (g) => {
        const p = { epoch: 1, index: 7 };
        const nodes = await g.startAll([member('b', p, 5), member('a', p, 1), member('c', p, 3)]);
        await waitForAll(nodes, agreed('b', 3), t, 'b (weight 5) elected');
      }),
    },
    {
      name: 'equal positions and weights: the earliest member wins',
      run: withGroup(async (g) => {
        const p = { epoch: 1, index: 7 };
        const a = await g.startOne(member('a', p));
        const b = await g.startOne(member('b', p));
        const c = await g.startOne(member('c', p));
        await waitForAll([a, b, c], agreed('a', 3), t, 'a (first registered) elected');
      }),
    },
    {
      name: 'a quorum elects without waiting for the others; a better member joining later is a slave',
      run: withGroup(async (g) => {
        const [b, c] = await g.startAll([member('b', { epoch: 1, index: 20 }), member('c', { epoch: 1, index: 10 })]);
        const [first] = await waitForAll([b, c], agreed('b', 2), t, 'b elected by b and c');
        const [a] = await g.startAll([member('a', { epoch: 1, index: 30 })]);
        const [sa] = await waitForAll([a, b, c], agreed('b', 3), t, 'a joins as a slave');
        assert.equal(sa?.role, 'slave');
        assert.equal(sa?.epoch, first?.epoch);
      }),
    },
    {
      name: 'a position updated while candidate counts in the election',
      run: withGroup(async (g) => {
        const [a] = await g.startAll([member('a', { epoch: 1, index: 1 })]);
        await a.updatePosition({ epoch: 1, index: 30 });
        await waitForState(a, (s) => s.members.some((m) => m.id === 'a' && m.position.index === 30), t, 'a publishes 30');
        const [b] = await g.startAll([member('b', { epoch: 1, index: 20 })]);
        await waitForAll([a, b], agreed('a', 2), t, 'a (30) elected over b (20)');
      }),
    },
    {
      name: 'when the master stops, the best remaining member is elected with a higher epoch',
      run: withGroup(async (g) => {
        const [a, b, c] = await g.startAll([member('a', { epoch: 1, index: 30 }), member('b', { epoch: 1, index: 10 }), member('c', { epoch: 1, index: 20 })]);
        const [first] = await waitForAll([a, b, c], agreed('a', 3), t, 'a elected');
        await g.stop(a);
        const [second] = await waitForAll([b, c], agreed('c', 2), t, 'c elected after a stopped');
        assert.ok((second?.epoch ?? 0) > (first?.epoch ?? 0), 'epoch grows');
        await b.updatePosition({ epoch: 1, index: 99 }); // a slave's position is not an election
        assert.equal(c.state().role, 'master');
      }),
    },
    {
      name: 'a master cut off stops at once; after its session expires the best remaining member is elected; it rejoins as a slave',
      run: withGroup(async (g) => {
        const [a, b, c] = await g.startAll([member('a', { epoch: 1, index: 30 }), member('b', { epoch: 1, index: 20 }), member('c', { epoch: 1, index: 10 })]);
        const [first] = await waitForAll([a, b, c], agreed('a', 3), t, 'a elected');
        const lost = waitForLost(a, t);
        await g.fx.partition(a);
        assert.match(await lost, /./);
        assert.notEqual(a.state().role, 'master');
        await g.fx.expire(a);
        const [second] = await waitForAll([b, c], agreed('b', 2), t, 'b elected after a expired');
        assert.ok((second?.epoch ?? 0) > (first?.epoch ?? 0), 'epoch grows');
        await g.fx.heal(a);
        const states = await waitForAll([a, b, c], agreed('b', 3), t, 'a back as a slave of b');
        assert.equal(states[0]?.role, 'slave');
        assert.equal(states[0]?.epoch, second?.epoch);
        assert.deepEqual(g.recorder.epochsOf('a'), [first?.epoch]);
      }),
    },
    {
      name: 'a master that withdraws loses mastership at once; the others elect the best of them; it rejoins as their slave',
      run: withGroup(async (g) => {
        const [a, b, c] = await g.startAll([member('a', { epoch: 1, index: 30 }), member('b', { epoch: 1, index: 20 }), member('c', { epoch: 1, index: 10 })]);
        const [first] = await waitForAll([a, b, c], agreed('a', 3), t, 'a elected');
        const lost = waitForLost(a, t);
        const away = a.withdraw(1500, 'its slaves cannot reach it');
        assert.notEqual(a.state().role, 'master', 'no longer master once withdraw() is called');
        assert.match(await lost, /slaves cannot reach/);
        await away;
        // a still has the best position, yet b is elected: a is not a member meanwhile.
        const [second] = await waitForAll([b, c], agreed('b', 2), t, 'b elected while a is away');
        assert.ok((second?.epoch ?? 0) > (first?.epoch ?? 0), 'epoch grows');
        const states = await waitForAll([a, b, c], agreed('b', 3), t, 'a back as a slave of b');
        assert.equal(states[0]?.role, 'slave');
        assert.deepEqual(g.recorder.epochsOf('a'), [first?.epoch]);
      }),
    },
    {
      name: 'a slave whose session expires rejoins; the master keeps its epoch',
      run: withGroup(async (g) => {
        const [a, b, c] = await g.startAll([member('a', { epoch: 1, index: 30 }), member('b', { epoch: 1, index: 20 }), member('c', { epoch: 1, index: 10 })]);
        const [first] = await waitForAll([a, b, c], agreed('a', 3), t, 'a elected');
        let lost = 0;
        a.on('lost', () => lost++);
        await g.fx.partition(c);
        await waitForState(c, (s) => s.role === 'candidate', t, 'c disconnected');
        await g.fx.expire(c);
        await waitForState(a, (s) => s.members.length === 2, t, 'a sees c gone');
        await g.fx.heal(c);
        const states = await waitForAll([a, b, c], agreed('a', 3), t, 'c back as a slave');
        assert.equal(states[0]?.epoch, first?.epoch);
        assert.equal(lost, 0);
      }),
    },
    {
      name: 'a master that loses its quorum steps down, and is elected again (new epoch) when the quorum returns',
      run: withGroup(async (g) => {
        const [a, b, c] = await g.startAll([member('a', { epoch: 1, index: 30 }), member('b', { epoch: 1, index: 20 }), member('c', { epoch: 1, index: 10 })]);
        const [first] = await waitForAll([a, b, c], agreed('a', 3), t, 'a elected');
        const lost = waitForLost(a, t);
        await g.stop(b);
        assert.equal(a.state().role, 'master', 'two of three are still a quorum');
        await g.stop(c);
        assert.match(await lost, /quorum/);
        const alone = await waitForState(a, (s) => s.role === 'candidate' && s.members.length === 1, t, 'a candidate');
        assert.equal(alone.master, undefined);
        const [d] = await g.startAll([member('d', { epoch: 1, index: 5 })]);
        const [again] = await waitForAll([a, d], agreed('a', 2), t, 'a elected again');
        assert.ok((again?.epoch ?? 0) > (first?.epoch ?? 0), 'a new term has a new epoch');
      }),
    },
    {
      name: 'rejects an even replicas count and a second start',
      run: withGroup(async (g) => {
        await assert.rejects(g.fx.create({ replicas: 2 }), /replicas/);
        const a = await g.startOne(member('a', { epoch: 0, index: 0 }));
        await assert.rejects(a.start(member('a', { epoch: 0, index: 0 })), /once/);
      }),
    },
  ];
}

class Group {
  readonly recorder = new MastershipRecorder();
  private readonly ids = new Map<Election, string>();

  constructor(readonly fx: ElectionGroupFixture) {}

  async startOne(info: MemberInfo, opts?: { replicas?: number }): Promise<Election> {
    const [e] = await this.startAll([info], opts);
    if (!e) throw new Error('unreachable');
    return e;
  }

  async startAll<T extends MemberInfo[]>(infos: [...T], opts?: { replicas?: number }): Promise<{ [K in keyof T]: Election }> {
    const nodes = await Promise.all(infos.map(() => this.fx.create(opts)));
    nodes.forEach((e, i) => {
      const id = infos[i]?.id ?? '?';
      this.ids.set(e, id);
      this.recorder.watch(e, id);
    });
    // One after another: each is registered before the next starts. With a quorum of two the
    // first two members elect (a later one may or may not be counted), so a case that expects
    // a winner lists it among the first two, and it must be the best of all.
    for (const [i, e] of nodes.entries()) await e.start(infos[i] as MemberInfo);
    return nodes as { [K in keyof T]: Election };
  }

  async stop(e: Election): Promise<void> {
    const id = this.ids.get(e);
    if (id !== undefined) this.recorder.end(id);
    await e.stop();
  }

  async close(): Promise<void> {
    for (const id of this.ids.values()) this.recorder.end(id);
    await this.fx.close();
  }
}
