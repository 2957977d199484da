/**
 * Objects (docs/customerio-beyond.md G): per object type, objects with attributes, and the people
 * related to each. Objects are kept per type id (a string, as `GET /v1/object_types` sends it) and
 * follow the types; relationships follow the people table, so both change as those do.
 */
import type { CustomerTable } from './customers.js';
import { hash32, Rng } from './prng.js';
import type { JsonObject } from './types.js';
import { PLANS } from './vocab.js';

export interface ObjectTruth {
  objects: JsonObject[];
  object_relationships: JsonObject[];
}

const BASE_OBJECTS_PER_TYPE = 8;

export class ObjectTables {
  /** Type id -> its objects in listing order (object_id, cio_object_id, attributes, timestamps). */
  private readonly byType = new Map<string, JsonObject[]>();
  private nextK = new Map<string, number>();

  constructor(
    private readonly seed: number,
    private readonly scale: number,
    private readonly types: { records: JsonObject[] },
    private readonly customers: CustomerTable,
    now: number,
  ) {
    this.follow(now);
  }

  private make(typeId: string, k: number, at: number): JsonObject {
    const rng = Rng.for(this.seed, 'object', typeId, k);
    return {
      object_id: `obj-${typeId}-${k + 1}`,
      cio_object_id: `ob${(hash32(this.seed, 'cio-object', typeId, k) >>> 8).toString(16).padStart(6, '0')}`,
      attributes: {
        name: `Object ${typeId}.${k + 1}`,
        plan: rng.pick(PLANS),
        seats: String(rng.int(1, 500)),
      },
      timestamps: { name: at, plan: at, seats: at },
    };
  }

  /** Objects for types new since the last call; those of deleted types go with them. */
  follow(now: number): void {
    const live = new Set<string>();
    for (const type of this.types.records) {
      const id = String(type.id);
      live.add(id);
      if (this.byType.has(id)) continue;
      const count = Math.max(1, Math.round(BASE_OBJECTS_PER_TYPE * this.scale));
      this.byType.set(
        id,
        Array.from({ length: count }, (_, k) => this.make(id, k, now - 86_400 * (count - k))),
      );
      this.nextK.set(id, count);
    }
    for (const id of [...this.byType.keys()]) if (!live.has(id)) this.byType.delete(id);
  }

  /** One advance: per type, an object deleted, one changed and one added, as the advance does each. */
  advance(epoch: number, now: number, fractions: { update: number; add: number; del: number }): number {
    this.follow(now);
    let changed = 0;
    for (const [typeId, objects] of this.byType) {
      const rng = Rng.for(this.seed, 'objects-advance', typeId, epoch);
      if (fractions.del > 0 && objects.length > 1) {
        objects.splice(rng.int(0, objects.length - 1), 1);
        changed++;
      }
      const edited = objects[rng.int(0, objects.length - 1)];
      if (fractions.update > 0 && edited) {
        edited.attributes = { ...(edited.attributes as JsonObject), plan: rng.pick(PLANS) };
        edited.timestamps = { ...(edited.timestamps as JsonObject), plan: now };
        changed++;
      }
      if (fractions.add > 0) {
        const k = this.nextK.get(typeId) ?? objects.length;
        this.nextK.set(typeId, k + 1);
        objects.push(this.make(typeId, k, now));
        changed++;
      }
    }
    return changed;
  }

  /** The objects of a type, or undefined for a type that does not exist. */
  of(typeId: string): JsonObject[] | undefined {
    return this.byType.get(typeId);
  }

  find(typeId: string, objectId: string): JsonObject | undefined {
    return this.byType.get(typeId)?.find((o) => o.object_id === objectId);
  }

  /** The live people related to an object, in people order (a fixed draw per object and person). */
  relatedPeople(typeId: string, objectId: string): JsonObject[] {
    const people: JsonObject[] = [];
    const count = this.customers.table.rawCount();
    for (let i = 0; i < count; i++) {
      if (hash32(this.seed, 'related', typeId, objectId, i) % 100 >= 2) continue;
      if (this.customers.table.fate(i).deleted) continue;
      const who = this.customers.identity(i);
      people.push({ cio_id: who.cio_id, email: who.email, id: who.id });
    }
    return people;
  }

  truth(): ObjectTruth {
    const objects: JsonObject[] = [];
    const relationships: JsonObject[] = [];
    for (const [typeId, list] of this.byType) {
      for (const object of list) {
        objects.push(structuredClone({ object_type_id: typeId, ...object }));
        const objectId = object.object_id as string;
        for (const person of this.relatedPeople(typeId, objectId)) {
          relationships.push({ object_type_id: typeId, object_id: objectId, ...person });
        }
      }
    }
    return { objects, object_relationships: relationships };
  }
}
