// Hostile shapes of our own writing, for the end-to-end check that nothing from outside runs in the
// window: each one, if it ever ran, would set `window.__xss` to its own number.

const run = (n) => `window.__xss=${n}`;

/** Shapes built around a snippet of script (`js`) that must never run. */
const shapes = [
  // Script elements, plain and disguised.
  (js) => `<script>${js}</script>`,
  (js) => `<SCRIPT>${js}</SCRIPT>`,
  (js) => `<script src="data:text/javascript,${js}"></script>`,
  (js) => `<scr<script>ipt>${js}</scr</script>ipt>`,
  (js) => `<<script>${js}//<</script>`,
  (js) => `<script type="module">${js}</script>`,
  // Event handlers on the elements that fire them by themselves.
  ...["img src=x onerror", "image src=x onerror", "svg onload", "body onload", "video src=x onerror",
    "audio src=x onerror", "details open ontoggle", "input autofocus onfocus", "select autofocus onfocus",
    "textarea autofocus onfocus", "iframe onload", "object data=x onerror", "marquee onstart",
    "div style=animation-name:spin onanimationstart", "div onmouseover", "a href=# onclick",
    "button onpointerenter", "img src=x onerror  ", "img/src=x/onerror", "style onload",
    "link rel=stylesheet href=x onerror", "embed src=x onerror", "source onerror", "track onerror",
    "body onpageshow", "svg><animate onbegin", "form><button formaction=javascript:void(0) onfocus autofocus"]
    .map((open) => (js) => `<${open}="${js}">x`),
  // Handlers with odd quoting and spacing.
  (js) => `<img src=x onerror=${js}>`,
  (js) => `<img src=x onerror='${js}'>`,
  (js) => `<img src=x\nonerror="${js}">`,
  (js) => `<img src=x onerror\t=\t"${js}">`,
  (js) => `<IMG SRC=x OnErRoR="${js}">`,
  // javascript: and data: URLs, raw and in markdown.
  (js) => `<a href="javascript:${js}">link</a>`,
  (js) => `<a href="JaVaScRiPt:${js}">link</a>`,
  (js) => `<a href="java&#x09;script:${js}">link</a>`,
  (js) => `<a href="&#106;avascript:${js}">link</a>`,
  (js) => `<a href="java\u200Bscript:${js}">zero width</a>`,
  (js) => `<a href=" javascript:${js}">leading space</a>`,
  (js) => `<a href="data:text/html,<script>${js}</script>">data</a>`,
  (js) => `<a href="data:text/html;base64,${Buffer.from(`<script>${js}</script>`).toString("base64")}">b64</a>`,
  (js) => `[markdown link](javascript:${js})`,
  (js) => `[markdown data](data:text/html,<script>${js}</script>)`,
  (js) => `![image](javascript:${js})`,
  (js) => `<javascript:${js}>`,
  (js) => `[ref][r]\n\n[r]: javascript:${js}`,
  (js) => `<iframe src="javascript:${js}"></iframe>`,
  (js) => `<iframe srcdoc="<script>${js}</script>"></iframe>`,
  (js) => `<form action="javascript:${js}"><button>go</button></form>`,
  (js) => `<object data="javascript:${js}"></object>`,
  (js) => `<embed src="javascript:${js}">`,
  (js) => `<meta http-equiv="refresh" content="0;url=javascript:${js}">`,
  (js) => `<base href="javascript:${js}//">`,
  // SVG and MathML.
  (js) => `<svg><script>${js}</script></svg>`,
  (js) => `<svg><a xlink:href="javascript:${js}"><text y="20">svg link</text></a></svg>`,
  (js) => `<svg><set attributeName="onmouseover" to="${js}"/></svg>`,
  (js) => `<svg><foreignObject><img src=x onerror="${js}"></foreignObject></svg>`,
  (js) => `<svg><style><img src=x onerror="${js}"></style></svg>`,
  (js) => `<svg><use href="data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'><image href='x' onerror='${js}'/></svg>#x"/></svg>`,
  (js) => `<math><mtext><table><mglyph><style><img src=x onerror="${js}">`,
  (js) => `<math href="javascript:${js}">math</math>`,
  (js) => `<math><maction actiontype="statusline#" xlink:href="javascript:${js}">m</maction></math>`,
  // CSS.
  (js) => `<style>@import "javascript:${js}";</style>`,
  (js) => `<div style="background:url('javascript:${js}')">css url</div>`,
  (js) => `<div style="width:expression(${js})">css expression</div>`,
  (js) => `<link rel="stylesheet" href="javascript:${js}">`,
  (js) => `<style>*{background:url("javascript:${js}")}</style>`,
  // Broken and nested markup.
  (js) => `"><img src=x onerror="${js}">`,
  (js) => `'><svg onload='${js}'>`,
  (js) => `</textarea><img src=x onerror="${js}">`,
  (js) => `</title><img src=x onerror="${js}">`,
  (js) => `<!--><img src=x onerror="${js}">-->`,
  (js) => `<noscript><p title="</noscript><img src=x onerror=${js}>">`,
  (js) => `<img src="x" onerror="${js}"`,
  (js) => `<div><p>unclosed <b>bold <img src=x onerror=${js}//`,
  (js) => `\`\`\`html\n<img src=x onerror="${js}">\n\`\`\`\n<img src=x onerror="${js}">`,
  (js) => `<template><img src=x onerror="${js}"></template>`,
  (js) => `<xmp><img src=x onerror="${js}"></xmp>`,
  // Bidi and zero-width tricks around markup.
  (js) => `\u202E<img src=x onerror="${js}">\u202C reversed`,
  (js) => `\u2066<svg onload="${js}">\u2069 isolate`,
  (js) => `<img\u200Bsrc=x onerror="${js}">`,
  (js) => `<a href="javascript&colon;${js}">colon entity</a>`,
  // Template and framework injection shapes.
  (js) => `{{constructor.constructor('${js}')()}}`,
  (js) => `\${(()=>{${js}})()}`,
  (js) => `{@html '<img src=x onerror="${js}">'}`,
  // Handlers that wait for the pointer or the keyboard, which the test moves over everything.
  ...["onmouseenter", "onmousedown", "onmouseup", "ondblclick", "onpointerdown", "onpointerover",
    "onfocusin", "onkeydown", "onwheel", "oncontextmenu", "onauxclick", "onbeforeinput"]
    .map((handler) => (js) => `<span tabindex=0 ${handler}="${js}">hover or type</span>`),
];

/** At least 100 payloads, each with its own number. */
export function corpus() {
  return shapes.map((shape, i) => ({ n: i + 1, text: shape(run(i + 1)) }));
}
