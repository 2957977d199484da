import type { StreamPage } from '../../../src/streams/types.js';

export async function collectPages(pages: AsyncIterable<StreamPage>): Promise<StreamPage[]> {
  const all: StreamPage[] = [];
  for await (const page of pages) all.push(page);
  return all;
}
