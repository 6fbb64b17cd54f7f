import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ExporterStatus, OtelInput } from "../api";

const calls: OtelInput[] = [];
let status: ExporterStatus;

import { stateWords } from "../stores/integrations.svelte";
import IntegrationsSettings from "./IntegrationsSettings.svelte";

function failing(): ExporterStatus {
  return {
    state: "failing",
    endpoint: "https://cloud.langfuse.com/api/public/otel/v1/traces",
    endpoint_source: "settings",
    saved_endpoint: "https://cloud.langfuse.com/api/public/otel/v1/traces",
    header_names: ["Authorization"],
    capture_content: false,
    waiting: 12,
    last_sent_at: null,
    last_error: "the collector at https://cloud.langfuse.com/api/public/otel/v1/traces refused the credentials (401 Unauthorized)",
    last_error_at: new Date().toISOString(),
  };
}

describe("Settings > Integrations", () => {
  beforeEach(() => {
    calls.length = 0;
    status = failing();
    // The shell's commands, as the window calls them.
    mockIPC((cmd, args) => {
      if (cmd === "otel_status") return status;
      if (cmd === "otel_save") {
        const input = (args as { input: OtelInput }).input;
        calls.push(input);
        return { ...status, endpoint: input.endpoint, header_names: input.headers?.map((h) => h.name) ?? status.header_names };
      }
      throw new Error(`unexpected command ${cmd}`);
    });
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("says the state in words", () => {
    expect(stateWords(null)).toBe("Off: runs are not sent");
    expect(stateWords({ ...failing(), state: "connected", waiting: 0 })).toBe("Connected: every run is sent");
    expect(stateWords({ ...failing(), state: "connected", waiting: 1 })).toBe("Connected, 1 run waiting");
    expect(stateWords(failing())).toBe("Not sending, 12 runs waiting");
  });

  it("shows the endpoint, the header names but no values, and the last error", async () => {
    const { getByTestId, container } = render(IntegrationsSettings);
    await waitFor(() => expect(getByTestId("otel-state").textContent).toContain("Not sending, 12 runs waiting"));
    expect(getByTestId("otel-error").textContent).toContain("refused the credentials");
    expect((getByTestId("otel-endpoint") as HTMLInputElement).value).toBe(status.endpoint);
    expect(container.textContent).toContain("Authorization");
    expect(container.textContent).toContain("not shown");
  });

  it("keeps the stored headers unless they are replaced, and asks for every value", async () => {
    const { getByTestId, getAllByTestId } = render(IntegrationsSettings);
    await waitFor(() => expect((getByTestId("otel-endpoint") as HTMLInputElement).value).not.toBe(""));
    await fireEvent.click(getByTestId("otel-save"));
    await waitFor(() => expect(calls.length).toBe(1));
    expect(calls[0].headers).toBeNull();

    await fireEvent.click(getByTestId("otel-edit-headers"));
    await fireEvent.click(getByTestId("otel-save"));
    expect(getByTestId("otel-form-error").textContent).toContain("value");
    expect(calls.length).toBe(1);
    await fireEvent.input(getAllByTestId("otel-header-value")[0], { target: { value: "Basic cGs6c2s=" } });
    await fireEvent.click(getByTestId("otel-content"));
    await fireEvent.click(getByTestId("otel-save"));
    await waitFor(() => expect(calls.length).toBe(2));
    expect(calls[1].headers).toEqual([{ name: "Authorization", value: "Basic cGs6c2s=" }]);
    expect(calls[1].capture_content).toBe(true);
  });
});
