import { describe, expect, it } from "vitest";
import { rerunVariables, segments, variables } from "./template";

describe("template", () => {
  it("finds distinct variables in order, like the core", () => {
    expect(variables("{{b}} {{ a }} {{b}} {{not a var!}} {x}")).toEqual(["b", "a"]);
  });
  it("splits text and variables for highlighting", () => {
    expect(segments("Hi {{ name }}!")).toEqual([
      { kind: "text", text: "Hi " },
      { kind: "variable", text: "{{ name }}", name: "name" },
      { kind: "text", text: "!" },
    ]);
  });
  it("re-runs recorded text literally", () => {
    expect(rerunVariables("keep {{this}} as is", { topic: "x", n: 3 })).toEqual({ topic: "x", this: "{{this}}" });
  });
});
