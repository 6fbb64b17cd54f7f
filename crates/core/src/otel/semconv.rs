//! The attribute names and values the spans use: the OpenTelemetry GenAI semantic conventions
//! (docs/gen-ai/gen-ai-spans.md and the gen-ai attribute registry, status Development, as of
//! semantic-conventions 1.37+: `gen_ai.provider.name` replaced `gen_ai.system`, and content goes
//! into `gen_ai.input.messages` / `gen_ai.output.messages`), plus Promptline's own under
//! `promptline.*`. Kept as our own constants because the `opentelemetry-semantic-conventions`
//! crate keeps the GenAI ones behind its experimental flag and renames them between releases.

/// The operation: always [`OPERATION_CHAT`] for a Promptline run.
pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// The provider as the conventions name it (`openai`, `anthropic`, `gcp.gemini`, ...).
pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";
/// The model as requested.
pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";
/// The model that answered.
pub const GEN_AI_RESPONSE_MODEL: &str = "gen_ai.response.model";
/// `temperature` as sent.
pub const GEN_AI_REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
/// `max_tokens` as sent.
pub const GEN_AI_REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
/// `top_p` as sent.
pub const GEN_AI_REQUEST_TOP_P: &str = "gen_ai.request.top_p";
/// `top_k` as sent.
pub const GEN_AI_REQUEST_TOP_K: &str = "gen_ai.request.top_k";
/// `frequency_penalty` as sent.
pub const GEN_AI_REQUEST_FREQUENCY_PENALTY: &str = "gen_ai.request.frequency_penalty";
/// `presence_penalty` as sent.
pub const GEN_AI_REQUEST_PRESENCE_PENALTY: &str = "gen_ai.request.presence_penalty";
/// `stop` as sent, always a list.
pub const GEN_AI_REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
/// `seed` as sent.
pub const GEN_AI_REQUEST_SEED: &str = "gen_ai.request.seed";
/// `n` as sent, when not 1.
pub const GEN_AI_REQUEST_CHOICE_COUNT: &str = "gen_ai.request.choice.count";
/// Why the model stopped, one entry per choice (Promptline keeps one).
pub const GEN_AI_RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// Prompt-side tokens.
pub const GEN_AI_USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// Completion-side tokens.
pub const GEN_AI_USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// The prompt as sent, as a JSON list of messages (opt-in content).
pub const GEN_AI_INPUT_MESSAGES: &str = "gen_ai.input.messages";
/// The response, as a JSON list of messages (opt-in content).
pub const GEN_AI_OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
/// The system instructions sent apart from the messages, as a JSON list of parts (opt-in content).
pub const GEN_AI_SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
/// The content type asked for: `text` for every Promptline run.
pub const GEN_AI_OUTPUT_TYPE: &str = "gen_ai.output.type";
/// The class of error a failed run ended with.
pub const ERROR_TYPE: &str = "error.type";
/// The provider's host.
pub const SERVER_ADDRESS: &str = "server.address";
/// The provider's port.
pub const SERVER_PORT: &str = "server.port";

/// Resource: the service's name (`promptline` unless `OTEL_SERVICE_NAME` says otherwise).
pub const SERVICE_NAME: &str = "service.name";
/// Resource: the service's version.
pub const SERVICE_VERSION: &str = "service.version";

/// `gen_ai.operation.name` of a chat completion.
pub const OPERATION_CHAT: &str = "chat";
/// `gen_ai.output.type` of a text answer.
pub const OUTPUT_TYPE_TEXT: &str = "text";
/// `error.type` when no better class is known (the conventions' fallback value).
pub const ERROR_TYPE_OTHER: &str = "_OTHER";

/// The run's id.
pub const PROMPTLINE_RUN_ID: &str = "promptline.run.id";
/// The saved prompt's id.
pub const PROMPTLINE_PROMPT_ID: &str = "promptline.prompt.id";
/// The saved prompt's name.
pub const PROMPTLINE_PROMPT_NAME: &str = "promptline.prompt.name";
/// How the run ended: `success`, `error`, `timeout`, `cancelled`, ...
pub const PROMPTLINE_STATUS: &str = "promptline.status";
/// The configured provider's name (e.g. `ollama` where `gen_ai.provider.name` says `openai`).
pub const PROMPTLINE_PROVIDER: &str = "promptline.provider";
/// Milliseconds from sending the request to the first token.
pub const PROMPTLINE_TIME_TO_FIRST_TOKEN_MS: &str = "promptline.time_to_first_token_ms";
/// Total tokens as the provider reported them.
pub const PROMPTLINE_USAGE_TOTAL_TOKENS: &str = "promptline.usage.total_tokens";
/// The names of the template variables (always sent: names, not values).
pub const PROMPTLINE_VARIABLE_NAMES: &str = "promptline.variable_names";
/// The template variables with their values, a JSON object (opt-in content).
pub const PROMPTLINE_VARIABLES: &str = "promptline.variables";
