/**
 * The part of the `reflect-metadata` API that tsyringe (a dependency of @peculiar/x509) checks for and calls when
 * x509 declares its injectable classes. x509 never reads constructor parameter types, so a small WeakMap store is
 * enough; the real package is not a dependency of OpenMDS. Installed only when no polyfill is present already.
 */
type MetadataKey = unknown;
type Target = object;

const store = new WeakMap<Target, Map<string | symbol | undefined, Map<MetadataKey, unknown>>>();

function own(
  target: Target,
  property: string | symbol | undefined,
  create: boolean,
): Map<MetadataKey, unknown> | undefined {
  let byProperty = store.get(target);
  if (byProperty === undefined) {
    if (!create) return undefined;
    byProperty = new Map();
    store.set(target, byProperty);
  }
  let entries = byProperty.get(property);
  if (entries === undefined && create) {
    entries = new Map();
    byProperty.set(property, entries);
  }
  return entries;
}

const api = {
  defineMetadata(key: MetadataKey, value: unknown, target: Target, property?: string | symbol): void {
    own(target, property, true)?.set(key, value);
  },
  getOwnMetadata(key: MetadataKey, target: Target, property?: string | symbol): unknown {
    return own(target, property, false)?.get(key);
  },
  hasOwnMetadata(key: MetadataKey, target: Target, property?: string | symbol): boolean {
    return own(target, property, false)?.has(key) ?? false;
  },
  getMetadata(key: MetadataKey, target: Target, property?: string | symbol): unknown {
    for (let t: Target | null = target; t !== null; t = Object.getPrototypeOf(t) as Target | null) {
      const entries = own(t, property, false);
      if (entries?.has(key) === true) return entries.get(key);
    }
    return undefined;
  },
  hasMetadata(key: MetadataKey, target: Target, property?: string | symbol): boolean {
    for (let t: Target | null = target; t !== null; t = Object.getPrototypeOf(t) as Target | null) {
      if (own(t, property, false)?.has(key) === true) return true;
    }
    return false;
  },
  metadata(key: MetadataKey, value: unknown) {
    return (target: Target, property?: string | symbol): void => api.defineMetadata(key, value, target, property);
  },
};

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect['getMetadata'] !== 'function') {
  for (const [name, fn] of Object.entries(api)) reflect[name] = fn;
}
