// Settings > Integrations: the OpenTelemetry export's settings and state. Header values are typed
// here and sent once to the shell, which keeps them in the OS keychain; they never come back.

import { api, toApiError, type ExporterStatus } from "../api";
import { formatCount, plural } from "../format";
import { confirmDialog } from "./confirm.svelte";
import { toasts } from "./toasts.svelte";

/** A header row of the form. */
export interface HeaderRow {
  name: string;
  value: string;
}

/** Where the common tools take OTLP/HTTP traces (README: "Send runs to observability tools"). */
export const PRESETS: { label: string; endpoint: string; header?: string }[] = [
  { label: "Jaeger (local)", endpoint: "http://localhost:4318/v1/traces" },
  { label: "Phoenix (local)", endpoint: "http://localhost:6006/v1/traces" },
  { label: "Langfuse Cloud (EU)", endpoint: "https://cloud.langfuse.com/api/public/otel/v1/traces", header: "Authorization" },
  { label: "Langfuse Cloud (US)", endpoint: "https://us.cloud.langfuse.com/api/public/otel/v1/traces", header: "Authorization" },
];

/** The state line for people. */
export function stateWords(status: ExporterStatus | null): string {
  if (!status || status.state === "off") return "Off: runs are not sent";
  const waiting = status.waiting === 1 ? "1 run waiting" : `${formatCount(status.waiting)} runs waiting`;
  switch (status.state) {
    case "connected":
      return status.waiting > 0 ? `Connected, ${waiting}` : "Connected: every run is sent";
    case "failing":
      return `Not sending, ${waiting}`;
    default:
      return `Nothing sent yet, ${waiting}`;
  }
}

class IntegrationsStore {
  status = $state<ExporterStatus | null>(null);
  endpoint = $state("");
  content = $state(false);
  /** `null`: keep the stored headers; a list: replace them with these. */
  headers = $state<HeaderRow[] | null>(null);
  saving = $state(false);
  formError = $state<string | null>(null);

  /** Reads the state; with `resetForm`, also puts the saved settings into the form (on opening). */
  async refresh(resetForm = false): Promise<void> {
    try {
      const status = await api.otelStatus();
      this.status = status;
      if (resetForm) {
        this.endpoint = status.saved_endpoint ?? status.endpoint ?? "";
        this.content = status.capture_content;
        this.headers = null;
        this.formError = null;
      }
    } catch (error) {
      this.formError = toApiError(error).message;
    }
  }

  /** Fills the endpoint (and a header row to complete) from a preset. */
  usePreset(preset: (typeof PRESETS)[number]): void {
    this.endpoint = preset.endpoint;
    if (preset.header && !(this.status?.header_names ?? []).includes(preset.header)) {
      this.headers = [{ name: preset.header, value: "" }];
    }
  }

  editHeaders(): void {
    const names = this.status?.header_names ?? [];
    this.headers = names.length ? names.map((name) => ({ name, value: "" })) : [{ name: "", value: "" }];
  }

  addHeader(): void {
    this.headers = [...(this.headers ?? []), { name: "", value: "" }];
  }

  removeHeader(index: number): void {
    this.headers = (this.headers ?? []).filter((_, i) => i !== index);
  }

  async save(): Promise<boolean> {
    this.formError = null;
    const rows = this.headers?.filter((h) => h.name.trim() !== "");
    if (rows?.some((h) => h.value.trim() === "")) {
      this.formError = "Give every header a value (or remove the row): values are not shown again once saved.";
      return false;
    }
    this.saving = true;
    try {
      this.status = await api.otelSave({ endpoint: this.endpoint.trim(), headers: rows ?? null, capture_content: this.content });
      this.headers = null;
      toasts.show("Runs are sent to " + (this.status.endpoint ?? this.endpoint));
      return true;
    } catch (error) {
      this.formError = toApiError(error).message;
      return false;
    } finally {
      this.saving = false;
    }
  }

  async turnOff(): Promise<void> {
    const ok = await confirmDialog.ask({
      title: "Stop sending runs?",
      body: "The endpoint and its headers are forgotten, and runs waiting to be sent are left out (send them later with `promptline export --format otlp`).",
      confirmLabel: "Stop sending",
      danger: true,
    });
    if (!ok) return;
    try {
      const dropped = await api.otelOff();
      this.endpoint = "";
      this.content = false;
      this.headers = null;
      await this.refresh();
      toasts.show(dropped > 0 ? `Stopped; ${plural(dropped, "waiting run")} left out` : "Runs are no longer sent");
    } catch (error) {
      toasts.show(toApiError(error).message, "error");
    }
  }
}

export const integrations = new IntegrationsStore();
