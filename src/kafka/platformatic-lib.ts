/**
 * What tracewalk uses of @platformatic/kafka; every module of ours imports the library from here. `npm run
 * build` replaces this file's compiled form with one file holding these names and the library code they
 * reach (`scripts/bundle-kafka.mjs`): the producer thread imported the package's ~170 modules in ~190 ms
 * (resolving, reading and compiling each), the one file in ~70 ms. From the sources (the test runner), it
 * is the package itself.
 */
import "./lazy-schemas.js"; // first: before the library's modules compile their option schemas

export {
  Admin,
  type API,
  type BaseOptions,
  type Callback,
  Consumer,
  type CreateRecordsBatchOptions,
  compatibilityPartitioner,
  crc32c,
  createAPI,
  createRecordsBatch,
  GenericError,
  groupByProperty,
  kGetApi,
  type MessageRecord,
  type MessagesStream,
  MessagesStreamModes,
  type MessageToProduce,
  ProduceAcks,
  Producer,
  type ProducerOptions,
  produceV7,
  produceV8,
  produceV9,
  produceV10,
  produceV11,
  type SASLOptions,
  Writer,
} from "@platformatic/kafka";
