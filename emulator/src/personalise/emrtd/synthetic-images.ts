/**
 * Synthetic biometric pictures, drawn by the project from a seed: a cartoon frontal face for DG2
 * and whorl-like ridge patterns for DG3. They are obviously artificial (no real person, no
 * generative model) and deterministic, so EF.SOD hashes are reproducible.
 */
import { seededRng, type Rng } from '../../crypto/rng.ts';
import type { GreyImage } from './jpeg-encoder.ts';

function unit(rng: Rng): number {
  const b = rng.bytes(2);
  return (((b[0] as number) << 8) | (b[1] as number)) / 65535;
}

function canvas(
  width: number,
  height: number,
  fill: number,
): { img: GreyImage; set: (x: number, y: number, v: number) => void } {
  const pixels = new Uint8Array(width * height).fill(fill);
  return {
    img: { width, height, pixels },
    set: (x, y, v) => {
      if (x >= 0 && y >= 0 && x < width && y < height)
        pixels[y * width + x] = Math.max(0, Math.min(255, Math.round(v)));
    },
  };
}

function ellipse(
  set: (x: number, y: number, v: number) => void,
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  tone: number,
  keep?: (x: number, y: number) => boolean,
): void {
  for (let y = Math.floor(cy - ry); y <= cy + ry; y++) {
    for (let x = Math.floor(cx - rx); x <= cx + rx; x++) {
      const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      if (d <= 1 && (!keep || keep(x, y))) set(x, y, tone);
    }
  }
}

/** A frontal "face" of width × height (ISO/IEC 19794-5 proportions: head about 70% of the height). */
export function syntheticFace(seed: string, width = 240, height = 320): GreyImage {
  const rng = seededRng(`ciebench-dg2-face|${seed}`);
  const skin = 150 + Math.round(unit(rng) * 60);
  const hair = 20 + Math.round(unit(rng) * 70);
  const { img, set } = canvas(width, height, 225);
  const cx = width / 2;
  const cy = height * 0.47;
  const rx = width * (0.3 + unit(rng) * 0.04);
  const ry = height * (0.33 + unit(rng) * 0.03);
  ellipse(set, cx, height * 1.02, width * 0.48, height * 0.2, 90); // shoulders
  ellipse(set, cx, cy + ry * 0.9, rx * 0.35, ry * 0.35, skin - 15); // neck
  ellipse(set, cx, cy - ry * 0.15, rx * 1.08, ry * 0.95, hair, (_x, y) => y < cy); // hair
  ellipse(set, cx, cy, rx, ry, skin); // head
  const eyeY = cy - ry * 0.12;
  const eyeDx = rx * (0.38 + unit(rng) * 0.06);
  for (const s of [-1, 1]) {
    ellipse(set, cx + s * eyeDx, eyeY, rx * 0.16, ry * 0.07, 245);
    ellipse(set, cx + s * eyeDx, eyeY, rx * 0.07, ry * 0.065, 40);
    ellipse(set, cx + s * eyeDx, eyeY - ry * 0.16, rx * 0.2, ry * 0.03, hair);
  }
  for (let y = Math.round(eyeY + ry * 0.05); y < eyeY + ry * 0.38; y++)
    set(Math.round(cx), y, skin - 45); // nose
  const mouthY = cy + ry * 0.5;
  const mouthW = rx * (0.35 + unit(rng) * 0.1);
  for (let x = Math.round(cx - mouthW); x <= cx + mouthW; x++) {
    const y = mouthY + ((x - cx) / mouthW) ** 2 * -ry * 0.06;
    set(x, Math.round(y), 95);
    set(x, Math.round(y) + 1, 110);
  }
  return img;
}

/** A synthetic fingerprint: concentric ridges around a core, warped by low-frequency noise. */
export function syntheticFingerprint(
  seed: string,
  finger: number,
  width = 200,
  height = 250,
): GreyImage {
  const rng = seededRng(`ciebench-dg3-finger|${seed}|${finger}`);
  const coreX = width * (0.4 + unit(rng) * 0.2);
  const coreY = height * (0.4 + unit(rng) * 0.2);
  const period = 8 + unit(rng) * 3;
  const warp = [unit(rng) * 6, unit(rng) * 6, unit(rng) * 2 * Math.PI];
  const { img, set } = canvas(width, height, 240);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside =
        ((x - width / 2) / (width * 0.46)) ** 2 + ((y - height / 2) / (height * 0.48)) ** 2;
      if (inside > 1) continue;
      const dx = x - coreX;
      const dy = (y - coreY) * 0.85;
      const r =
        Math.sqrt(dx * dx + dy * dy) +
        (warp[0] as number) * Math.sin(x / 23 + (warp[2] as number)) +
        (warp[1] as number) * Math.cos(y / 31);
      const ridge = 0.5 + 0.5 * Math.cos((2 * Math.PI * r) / period);
      set(x, y, 240 - ridge * 190 * Math.min(1, (1 - inside) * 4));
    }
  }
  return img;
}
