import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { applyTheme, lastTheme } from "./lib/theme";

// The theme of the last launch at once (no flash); the database's setting follows when it answers.
applyTheme(lastTheme());

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

export default mount(App, { target });
