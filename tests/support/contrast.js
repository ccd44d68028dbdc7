// WCAG AA contrast of visible text against the background it really sits on.
// arguments[0]: CSS selectors of the containers to check. Returns one line per failure.
// Colours are composited: a semi-transparent text colour over the background, and each
// semi-transparent background over the next ancestor's, up to the first opaque one (or the
// canvas, white or black by colour mode). A background image (gradient, picture) stops the
// walk: such text is left to axe and to the eye.
const selectors = arguments[0];

function parse(colour) {
  const m = colour.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const parts = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
  return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
}

function over(top, bottom) {
  const a = top.a + bottom.a * (1 - top.a);
  if (a === 0) return {r: 0, g: 0, b: 0, a: 0};
  const mix = (t, b) => (t * top.a + b * bottom.a * (1 - top.a)) / a;
  return {r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a: a};
}

function luminance(c) {
  const channel = v => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

function ratio(a, b) {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}

function canvas() {
  const dark = document.documentElement.getAttribute("data-bs-theme") === "dark";
  return dark ? {r: 0, g: 0, b: 0, a: 1} : {r: 255, g: 255, b: 255, a: 1};
}

// The opaque colour behind `el`, or null when an image is in the way.
function background(el) {
  const layers = [];
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (style.backgroundImage && style.backgroundImage !== "none" &&
        !style.backgroundImage.startsWith("url(\"data:image/svg")) return null;
    const colour = parse(style.backgroundColor);
    if (colour && colour.a > 0) {
      layers.push(colour);
      if (colour.a >= 1) break;
    }
  }
  let result = canvas();
  for (let i = layers.length - 1; i >= 0; i--) result = over(layers[i], result);
  return result;
}

function visible(el) {
  const rect = el.getBoundingClientRect();
  if (rect.width < 1 || rect.height < 1) return false;
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (style.visibility === "hidden" || style.display === "none") return false;
    if (parseFloat(style.opacity) === 0) return false;
  }
  return true;
}

function ownText(el) {
  let text = "";
  for (const child of el.childNodes) {
    if (child.nodeType === 3) text += child.textContent;
  }
  return text.trim();
}

function disabled(el) {
  return !!el.closest("[disabled], .disabled, [aria-disabled='true']");
}

function describe(el) {
  const cls = typeof el.className === "string" && el.className.trim()
    ? "." + el.className.trim().split(/\s+/).slice(0, 3).join(".") : "";
  return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + cls;
}

const failures = [];
const checked = new Set();
function check(el, text, colour, bg) {
  const style = getComputedStyle(el);
  const size = parseFloat(style.fontSize);
  const bold = parseInt(style.fontWeight, 10) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  const needed = large ? 3 : 4.5;
  const value = ratio(colour, bg);
  if (value + 0.005 < needed) {
    failures.push(`${describe(el)} "${text.slice(0, 40)}" ${value.toFixed(2)}:1 < ${needed}:1`);
  }
}

for (const selector of selectors) {
  for (const root of document.querySelectorAll(selector)) {
    for (const el of [root, ...root.querySelectorAll("*")]) {
      if (checked.has(el)) continue;
      checked.add(el);
      const text = ownText(el);
      if (!text || !visible(el) || disabled(el)) continue;
      const bg = background(el);
      if (!bg) continue;
      const colour = over(parse(getComputedStyle(el).color) || {r: 0, g: 0, b: 0, a: 1}, bg);
      check(el, text, colour, bg);
    }
    // The phone menu button draws its bars as an SVG background: read the stroke from it.
    for (const icon of root.querySelectorAll(".navbar-toggler-icon")) {
      if (!visible(icon)) continue;
      const m = getComputedStyle(icon).backgroundImage.match(/stroke='rgba?%28(.*?)%29'/);
      if (!m) continue;
      const parts = decodeURIComponent(m[1]).split(",").map(Number);
      const stroke = {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
      const bg = background(icon.parentElement);
      if (!bg) continue;
      const value = ratio(over(stroke, bg), bg);
      if (value + 0.005 < 3) {
        failures.push(`${describe(icon)} (menu button bars) ${value.toFixed(2)}:1 < 3:1`);
      }
    }
  }
}
return failures;
