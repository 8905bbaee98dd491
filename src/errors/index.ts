// Typed errors of the store: the StoreError base and the domain constructors.
export * from './store-error.js';
export * from './domain-errors.js';
