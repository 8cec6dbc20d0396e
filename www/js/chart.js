// A small live bar chart of a per-second rate on a <canvas>: the last 60 seconds, newest on
// the right, the peak labelled. Colours come from the page's CSS custom properties so it
// follows the light and dark schemes.

export class RateChart {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas, { seconds = 60 } = {}) {
    this.canvas = canvas;
    this.seconds = seconds;
    this.values = [];
    this.unit = '';
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  /** @param {number[]} values one per second, oldest first @param {string} unit */
  set(values, unit) {
    this.values = values.slice(-this.seconds);
    this.unit = unit;
    this.draw();
  }

  draw() {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (!w || !h) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const css = getComputedStyle(c);
    const fg = css.getPropertyValue('--chart-bar').trim() || '#2563eb';
    const grid = css.getPropertyValue('--chart-grid').trim() || '#ccc';
    const text = css.getPropertyValue('--muted').trim() || '#666';
    g.clearRect(0, 0, w, h);
    const peak = Math.max(1, ...this.values);
    const top = niceCeil(peak);
    const pad = { l: 36, r: 6, t: 8, b: 16 };
    const iw = w - pad.l - pad.r;
    const ih = h - pad.t - pad.b;
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = text;
    g.strokeStyle = grid;
    g.lineWidth = 1;
    for (const f of [0, 0.5, 1]) {
      const y = Math.round(pad.t + ih * (1 - f)) + 0.5;
      g.beginPath(); g.moveTo(pad.l, y); g.lineTo(w - pad.r, y); g.stroke();
      g.textAlign = 'right'; g.textBaseline = 'middle';
      g.fillText(String(Math.round(top * f)), pad.l - 4, y);
    }
    g.textAlign = 'left'; g.textBaseline = 'top';
    g.fillText(`${this.seconds} s`, pad.l, h - pad.b + 3);
    g.textAlign = 'right';
    g.fillText(`now · ${this.unit}`, w - pad.r, h - pad.b + 3);
    const bw = iw / this.seconds;
    g.fillStyle = fg;
    const offset = this.seconds - this.values.length;
    this.values.forEach((v, i) => {
      const bh = (v / top) * ih;
      g.fillRect(pad.l + (offset + i) * bw + 1, pad.t + ih - bh, Math.max(1, bw - 2), bh);
    });
  }
}

function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
