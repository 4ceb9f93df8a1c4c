/**
 * Per-request DataLoaders that differ by one argument (`reports(status)`, `floodRisk(at)`): one
 * loader per distinct argument, made on first use, so each argument's keys still batch into one
 * call. Create one family per request, like the loaders themselves.
 */
export function loaderFamily<A, L>(
  make: (arg: A) => L,
  keyOf: (arg: A) => unknown = (a) => a,
): (arg: A) => L {
  const loaders = new Map<unknown, L>();
  return (arg) => {
    const key = keyOf(arg);
    let loader = loaders.get(key);
    if (!loader) {
      loader = make(arg);
      loaders.set(key, loader);
    }
    return loader;
  };
}
