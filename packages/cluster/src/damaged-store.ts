// A group member whose store is damaged does not serve what is left of it: the master has every
// committed batch, so the member sets its files aside (kept for the operator, never deleted)
// and starts empty; the election never prefers it (its position is the lowest), and it catches
// up from the master by snapshot like a new member.
import { StoreDamagedError } from '@wharf/store';
import type { ClusterLogger, ReplicableStore } from './types';

/** `log` names the node (ClusterNode's logger binds it): its lines do not repeat it. */
export async function openOrSetAside(store: ReplicableStore, replicas: number, log: ClusterLogger): Promise<void> {
  try {
    await store.open();
  } catch (err) {
    // Alone (replicas 1) there is nobody to catch up from: the operator decides (wharf store repair).
    if (!(err instanceof StoreDamagedError) || replicas < 2 || !store.setAside) throw err;
    const aside = await store.setAside();
    log.error({ setAside: aside, damage: err.damage.length, err: err.message },
      'cluster: the store is damaged; its files were set aside and this node starts empty, catching up from the master');
    await store.open();
  }
}
