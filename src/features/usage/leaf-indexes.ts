/**
 * Ingest acknowledgements carry each record's leaf in the organization's `usage` ledger log. The
 * lookup runs after the write committed (one indexed read per request), so replays of records stored
 * earlier answer their original leaf, and the write path itself is untouched.
 */
export type LeafIndexes = (orgId: string, recordIds: string[]) => Promise<Map<string, number>>;

export async function withLeafIndexes<T extends { id: string }>(leafIndexes: LeafIndexes, orgId: string, data: T[]): Promise<(T & { leaf_index: number })[]> {
  const found = await leafIndexes(orgId, [...new Set(data.map((d) => d.id))]);
  return data.map((d) => {
    const leaf = found.get(d.id);
    // Every acknowledged record was appended in the same transaction as its leaf.
    if (leaf === undefined) throw new Error(`ledger: no usage leaf for acknowledged record ${d.id}`);
    return { ...d, leaf_index: leaf };
  });
}
