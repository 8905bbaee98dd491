// Subjects measured in turns: each round runs every subject once, the order rotating by one each
// round, so that drift on a shared machine (another process, the disk flushing) falls on each in
// turn instead of on whichever ran in a bad minute.

/** Runs each of `subjects` `rounds` times in rotating order; returns every subject's results. */
export async function inRotation<T>(
  rounds: number,
  subjects: ReadonlyArray<() => Promise<T>>,
): Promise<T[][]> {
  const results = subjects.map((): T[] => []);
  for (let round = 0; round < rounds; round += 1) {
    for (let step = 0; step < subjects.length; step += 1) {
      const index = (round + step) % subjects.length;
      const subject = subjects[index];
      if (subject !== undefined) results[index]?.push(await subject());
    }
  }
  return results;
}
