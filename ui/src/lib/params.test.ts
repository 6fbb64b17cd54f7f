import { describe, expect, it } from "vitest";
import { formFromParams, paramErrors, paramsFromForm, paramsSummary } from "./params";

describe("run parameters", () => {
  it("turn the panel's fields into the object every provider adapter reads, and back", () => {
    const form = { system: "Be brief.", temperature: "0.2", max_tokens: "300", top_p: "", stop: "END\n\n  ###  \n" };
    const params = paramsFromForm(form, { seed: 7, temperature: 1 });
    expect(params).toEqual({ seed: 7, system: "Be brief.", temperature: 0.2, max_tokens: 300, stop: ["END", "###"] });
    expect(formFromParams(params)).toEqual({ system: "Be brief.", temperature: "0.2", max_tokens: "300", top_p: "", stop: "END\n###" });
  });

  it("send nothing for empty fields, so the provider's default applies", () => {
    expect(paramsFromForm(formFromParams({}))).toEqual({});
    expect(paramsFromForm({ system: "   ", temperature: " ", max_tokens: "", top_p: "", stop: "\n" })).toEqual({});
  });

  it("say which field is wrong", () => {
    const errors = paramErrors({ system: "", temperature: "3", max_tokens: "1.5", top_p: "-0.1", stop: "" });
    expect(Object.keys(errors).sort()).toEqual(["max_tokens", "temperature", "top_p"]);
    expect(paramErrors({ system: "", temperature: "0", max_tokens: "1", top_p: "1", stop: "" })).toEqual({});
    expect(paramErrors({ system: "", temperature: "warm", max_tokens: "", top_p: "", stop: "" }).temperature).toMatch(/0 to 2/);
  });

  it("read a stop sequence saved as text by the CLI", () => {
    expect(formFromParams({ stop: "END" }).stop).toBe("END");
    expect(paramsSummary({ temperature: 0.2, system: "x" })).toBe("temperature 0.2 · system prompt");
  });
});
