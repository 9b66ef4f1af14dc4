// Vite's `?init` import of zlib-streams' WebAssembly build (vite/client declares `*.wasm?init`,
// but TypeScript resolves a package subpath through the package's exports map first and
// stops there).
declare module 'zlib-streams/zlib-streams.wasm?init' {
  const init: (options?: WebAssembly.Imports) => Promise<WebAssembly.Instance>;
  export default init;
}
