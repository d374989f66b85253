// A private network of Linux network namespaces for partition tests (needs root): one
// namespace holds a bridge (the switch), every other one gets a veth pair into it and one
// address of 10.77.0.0/24. Addresses exist only inside namespaces created here, and close()
// deletes them all (which removes their interfaces). cut(a, b) drops traffic between two
// namespaces in both directions with blackhole routes; heal(a, b) removes them.
import { execFileSync } from 'node:child_process';

function ip(...args) {
  return execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function inNs(ns, ...args) {
  return ip('netns', 'exec', ns, 'ip', ...args);
}

export class Netns {
  constructor() {
    this.tag = Math.random().toString(36).slice(2, 6);
    this.switch = `wh${this.tag}sw`;
    this.spaces = new Map(); // name -> { ns, addr }
    this.created = [];
    this.cuts = new Set();
  }

  /** Whether namespaces can be made here (root, iproute2, kernel support). */
  static probe() {
    const name = `wh${Math.random().toString(36).slice(2, 6)}pr`;
    try {
      ip('netns', 'add', name);
      ip('netns', 'del', name);
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: (err.stderr?.toString() || err.message).trim() };
    }
  }

  addNs(name) {
    ip('netns', 'add', name);
    this.created.push(name);
    inNs(name, 'link', 'set', 'lo', 'up');
  }

  /** Creates the switch namespace and one namespace per name; returns their addresses. */
  setup(names) {
    this.addNs(this.switch);
    inNs(this.switch, 'link', 'add', 'br0', 'type', 'bridge');
    inNs(this.switch, 'link', 'set', 'br0', 'up');
    names.forEach((name, i) => {
      const ns = `wh${this.tag}${name}`;
      const addr = `10.77.0.${i + 10}`;
      this.addNs(ns);
      const inner = `v${this.tag}${i}`;
      const outer = `s${this.tag}${i}`;
      // Both ends are made inside the new namespace, then one end moves to the switch.
      inNs(ns, 'link', 'add', inner, 'type', 'veth', 'peer', 'name', outer);
      inNs(ns, 'link', 'set', outer, 'netns', this.switch);
      inNs(this.switch, 'link', 'set', outer, 'master', 'br0');
      inNs(this.switch, 'link', 'set', outer, 'up');
      inNs(ns, 'addr', 'add', `${addr}/24`, 'dev', inner);
      inNs(ns, 'link', 'set', inner, 'up');
      this.spaces.set(name, { ns, addr });
    });
    return Object.fromEntries([...this.spaces].map(([k, v]) => [k, v.addr]));
  }

  ns(name) {
    return this.spaces.get(name).ns;
  }

  addr(name) {
    return this.spaces.get(name).addr;
  }

  /** `ip netns exec <ns>` as a command prefix for spawn. */
  prefix(name) {
    return ['ip', 'netns', 'exec', this.ns(name)];
  }

  cut(a, b) {
    const key = [a, b].sort().join('|');
    if (this.cuts.has(key)) return;
    this.cuts.add(key);
    inNs(this.ns(a), 'route', 'add', 'blackhole', `${this.addr(b)}/32`);
    inNs(this.ns(b), 'route', 'add', 'blackhole', `${this.addr(a)}/32`);
  }

  heal(a, b) {
    const key = [a, b].sort().join('|');
    if (!this.cuts.delete(key)) return;
    inNs(this.ns(a), 'route', 'del', 'blackhole', `${this.addr(b)}/32`);
    inNs(this.ns(b), 'route', 'del', 'blackhole', `${this.addr(a)}/32`);
  }

  close() {
    for (const name of this.created.reverse()) {
      try {
        ip('netns', 'del', name);
      } catch {
        // already gone
      }
    }
    this.created = [];
  }
}
