import { describe, expect, it } from 'vitest';
import { ItemSlots, itemsInFlightFromEnv, DEFAULT_ITEMS_IN_FLIGHT } from '@/lib/pipeline/item-slots';

describe('ItemSlots', () => {
  it('admits at most its size and hands released slots out in arrival order', async () => {
    const slots = new ItemSlots(2);
    const admitted: string[] = [];
    const take = (name: string) => slots.acquire().then(() => admitted.push(name));
    await Promise.all([take('a'), take('b')]);
    const waiting = [take('c'), take('d')];
    await Promise.resolve();
    expect(admitted).toEqual(['a', 'b']);
    expect(slots.queued).toBe(2);
    slots.release();
    await waiting[0];
    expect(admitted).toEqual(['a', 'b', 'c']);
    slots.release();
    await waiting[1];
    expect(admitted).toEqual(['a', 'b', 'c', 'd']);
  });

  it('drops a waiter whose signal aborts, without losing the slot it never got', async () => {
    const slots = new ItemSlots(1);
    await slots.acquire();
    const stop = new AbortController();
    const stopped = slots.acquire(stop.signal);
    const next = slots.acquire();
    stop.abort(new Error('paused'));
    await expect(stopped).rejects.toThrow('paused');
    expect(slots.queued).toBe(1);
    slots.release();
    await next;
    slots.release();
    // The slot is free again: a new holder gets it at once.
    await slots.acquire();
    expect(slots.queued).toBe(0);
    await expect(slots.acquire(stop.signal)).rejects.toThrow('paused');
  });

  it('reads PIPELINE_ITEMS, falling back to the default', () => {
    expect(itemsInFlightFromEnv({ PIPELINE_ITEMS: '64' })).toBe(64);
    expect(itemsInFlightFromEnv({ PIPELINE_ITEMS: '0' })).toBe(DEFAULT_ITEMS_IN_FLIGHT);
    expect(itemsInFlightFromEnv({})).toBe(DEFAULT_ITEMS_IN_FLIGHT);
  });
});
