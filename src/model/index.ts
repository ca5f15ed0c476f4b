export * from './labels.js';
export * from './matcher.js';
export * from './errors.js';
export * from './duration.js';
export * from './sample.js';
