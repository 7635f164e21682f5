import { DEFAULT_ALPHA, eventSource, formatReport, verifyEvents } from "../../analysis/index.js";
import { DEFAULT_MAX_LENGTH } from "../../config/index.js";
import { ErrorCode, TwError } from "../../errors.js";
import { loadWorkflow } from "../../workflow/index.js";
import { durationFlag, intFlag, numberFlag, parseCommandArgs, requiredFlag } from "../args.js";
import type { Command } from "../command.js";
import { refuseEmptyFile } from "../verify-empty.js";
import type { LiveVerifyArgs } from "../verify-kafka.js";

const USAGE = [
  "Usage: tracewalk verify --workflow PRESET|FILE --input FILE|- [--json] [--alpha 0.001] [--max-length N]",
  "       tracewalk verify --workflow PRESET|FILE --kafka-brokers H:P[,H:P] --topic T",
  "                        [--from-beginning | --from-now] [--for 5m | --events N] [--interval 10s]",
  "                        [--group-id G] [--kafka-client platformatic|kafkajs] [--strict] [--json]",
  "                        [--alpha 0.001] [--max-length N]",
  "                        [--sasl-mechanism M --sasl-username U] [--tls [--tls-ca FILE] …]",
  "",
  "Reads events (JSONL, one per line, `-` for stdin; Parquet by the .parquet extension), rebuilds the",
  "sessions of the workflow (retries left out), and tests whether their entry and transition counts are",
  "consistent with the workflow's probabilities: a table of true and learned probabilities with z-scores,",
  "a pooled chi-square test, and a user-type test when the workflow has user_type_distribution.",
  "",
  "From Kafka, it reads the topic (from the beginning, the default, or from now) until --for, --events",
  "or SIGINT/SIGTERM, prints a running verdict on stderr every --interval, then the report. A stream",
  "cut at any moment cannot show which sessions ended, so there the chain is tested given that a",
  "session goes on ($end left out), and sessions first seen mid-way are left out. Records that are not",
  "Event v1 JSON are counted and listed (--strict: the first one stops the run, exit 2).",
  "",
  "Exit code 0 consistent; 4 inconsistent (a transition outside the workflow, or a test rejecting at",
  "level --alpha); 2 bad input (unreadable file, malformed line, missing field, unknown workflow, no",
  "session of the workflow to test, a topic that does not exist); 1 other (a broker that cannot be",
  "reached within 10 s).",
  "",
  "Options:",
  "  --workflow PRESET|FILE  the workflow the events were generated from",
  "  --input FILE|-          events to check",
  "  --kafka-brokers H:P,…   read events from Kafka instead",
  "  --topic T               the topic to read",
  "  --from-beginning        from the earliest retained record (default)",
  "  --from-now              only records produced after joining",
  "  --for DURATION          stop after this long (e.g. 5m); default: until a signal",
  "  --events N              stop after N records",
  "  --interval DURATION     how often the running verdict is printed (default 10s)",
  "  --group-id G            consumer group (default: a fresh one); offsets are never committed, and",
  "                          a group with committed offsets resumes from them",
  "  --kafka-client C        the client library, as the Kafka sink's `client`: platformatic (default)",
  "                          or kafkajs",
  "  --strict                stop at the first bad record (exit 2)",
  "  --sasl-mechanism M      plain, scram-sha-256 or scram-sha-512, with --sasl-username U; the",
  "                          password is read from TRACEWALK_KAFKA_PASSWORD",
  "  --tls                   TLS with the system CAs; --tls-ca FILE, --tls-cert FILE, --tls-key FILE (PEM)",
  "  --alpha P               significance level of each test (default 0.001)",
  "  --max-length N          the max_length used when generating (default 50)",
  "  --json                  print one JSON object with the whole report",
].join("\n");

const OPTIONS = {
  workflow: { type: "string" },
  input: { type: "string" },
  "kafka-brokers": { type: "string" },
  topic: { type: "string" },
  "from-beginning": { type: "boolean" },
  "from-now": { type: "boolean" },
  for: { type: "string" },
  events: { type: "string" },
  interval: { type: "string" },
  "group-id": { type: "string" },
  "kafka-client": { type: "string" },
  "sasl-mechanism": { type: "string" },
  "sasl-username": { type: "string" },
  tls: { type: "boolean" },
  "tls-ca": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  strict: { type: "boolean" },
  alpha: { type: "string" },
  "max-length": { type: "string" },
  json: { type: "boolean" },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"];

function refuse(message: string): never {
  throw new TwError(ErrorCode.ARGS_INVALID, `${message}\n\n${USAGE}`);
}

/** The Kafka flags, checked; refuses a mix with --input and flags that only Kafka reads. */
async function liveArgs(
  values: Values,
  common: { alpha: number; maxLength: number },
): Promise<LiveVerifyArgs> {
  const { parseBrokers, parseKafkaClient, securityOptions } = await import("../verify-kafka.js");
  if (values.input !== undefined) refuse("--input and --kafka-brokers exclude each other");
  if (values["from-beginning"] && values["from-now"])
    refuse("--from-beginning and --from-now exclude each other");
  if (values.for !== undefined && values.events !== undefined)
    refuse("--for and --events exclude each other");
  return {
    ...common,
    brokers: parseBrokers(values["kafka-brokers"]!),
    topic: requiredFlag("topic", values.topic, USAGE),
    client: parseKafkaClient(values["kafka-client"]),
    fromBeginning: !values["from-now"],
    groupId: values["group-id"],
    forMs: durationFlag("for", values.for, undefined, 1),
    events: values.events === undefined ? undefined : intFlag("events", values.events, 0, 1),
    intervalMs: durationFlag("interval", values.interval, 10_000, 100),
    strict: values.strict === true,
    json: values.json === true,
    ...securityOptions(values),
  };
}

const KAFKA_ONLY = [
  "topic",
  "from-beginning",
  "from-now",
  "for",
  "events",
  "interval",
  "group-id",
  "kafka-client",
  "strict",
] as const;

/** `tracewalk verify`: does a stream of events carry its workflow? Exit 0 yes, 4 no, 2 bad input. */
export const verifyCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(argv, OPTIONS);
    const workflowRef = requiredFlag("workflow", values.workflow, USAGE);
    const alpha = numberFlag("alpha", values.alpha, DEFAULT_ALPHA, Number.MIN_VALUE, 1, "a number in (0, 1]");
    const maxLength = intFlag("max-length", values["max-length"], DEFAULT_MAX_LENGTH, 1);
    if (values["kafka-brokers"] !== undefined) {
      const live = await liveArgs(values, { alpha, maxLength });
      const workflow = await loadWorkflow(workflowRef);
      const { verifyKafka } = await import("../verify-kafka.js");
      return verifyKafka(workflow, live);
    }
    const stray = KAFKA_ONLY.find((f) => values[f] !== undefined);
    if (stray) refuse(`--${stray} needs --kafka-brokers`);
    const input = requiredFlag("input", values.input, USAGE);
    const workflow = await loadWorkflow(workflowRef);
    const report = await verifyEvents(eventSource(input), workflow, { alpha, maxLength });
    refuseEmptyFile(input, report);
    process.stdout.write(formatReport(report, values.json ? "json" : "text"));
    return report.consistent ? 0 : 4;
  },
};
