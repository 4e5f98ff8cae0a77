/**
 * @peculiar/x509 2.x loads tsyringe, which throws at import time unless `Reflect.getMetadata` exists.
 * The usual fix is the `reflect-metadata` package, which is not installed; tsyringe only needs these three
 * functions (for its `@injectable()` decorators), so a small WeakMap store stands in until it is.
 * Must be imported before @peculiar/x509 (see ./x509).
 */
type MetadataKey = unknown
type Store = WeakMap<object, Map<MetadataKey, unknown>>

interface ReflectMetadata {
  getMetadata?: (key: MetadataKey, target: object) => unknown
  getOwnMetadata?: (key: MetadataKey, target: object) => unknown
  defineMetadata?: (key: MetadataKey, value: unknown, target: object) => void
}

const reflect = Reflect as unknown as ReflectMetadata

if (typeof reflect.getMetadata !== 'function') {
  const store: Store = new WeakMap()
  const own = (key: MetadataKey, target: object): unknown => store.get(target)?.get(key)
  reflect.getOwnMetadata = own
  reflect.defineMetadata = (key, value, target) => {
    let entries = store.get(target)
    if (!entries) {
      entries = new Map()
      store.set(target, entries)
    }
    entries.set(key, value)
  }
  reflect.getMetadata = (key, target) => {
    for (let object: object | null = target; object; object = Object.getPrototypeOf(object) as object | null) {
      const value = own(key, object)
      if (value !== undefined) return value
    }
    return undefined
  }
}

export {}
