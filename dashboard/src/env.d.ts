/// <reference types="vite/client" />

declare module 'virtual:zones' {
  // An ambient module can name a relative file only through an import() type.
  // eslint-disable-next-line @typescript-eslint/consistent-type-imports
  const map: import('./zone-map-types.ts').ZoneMap;
  export default map;
}
