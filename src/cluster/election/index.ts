// Primary election between gateways.
export * from './candidates.js';
export * from './elector.js';
export * from './vote-messages.js';
