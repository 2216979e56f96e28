// AssemblyScript source of netspace's WebAssembly SIMD training kernels (compiled by ./simd.ts on first use).
//
// Every function works on raw byte addresses in the memory it imports: the TF.js wasm backend's own heap (tensors
// are read and written where they live, no copies) or, for the cpu backend, a memory of our own. Nothing here
// allocates or keeps state, and there are no data segments, so the module never writes outside the ranges it is
// given. Tensors are float32, NHWC, filters [kh, kw, cin/groups, cout] as TF.js lays them out.
//
// The matrix products use 4x8 register-blocked f32x4 tiles: WebAssembly SIMD has no FMA, so one step is 4 splats
// of A, a 2-vector load of B and 8 mul + 8 add into 8 accumulators; 4x8 keeps the accumulators, the B vectors and
// a splat within V8's 16 xmm registers (6x8 and 3x16 tiles spill: measured slower on this machine).

// ---------------------------------------------------------------------------------------------------------------
// GEMM: C[m, n] (+)= sum_p A(i, p) * B[p, n], A(i, p) at a + i * asi + p * asp, B row p at b + p * ldb (contiguous
// along n), C row i at c + i * ldc. All strides in bytes. `acc` adds to C instead of overwriting it.

@inline function mk4x8(a: usize, asi: usize, asp: usize, b: usize, ldb: usize, c: usize, ldc: usize, k: i32, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (acc) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
  }
  const a1 = asi, a2 = 2 * asi, a3 = 3 * asi;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(a + a1);
    c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(a + a2);
    c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(a + a3);
    c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
    a += asp; b += ldb;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

@inline function mk4x4(a: usize, asi: usize, asp: usize, b: usize, ldb: usize, c: usize, ldc: usize, k: i32, acc: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  if (acc) { c0 = v128.load(c); c1 = v128.load(c + ldc); c2 = v128.load(c + 2 * ldc); c3 = v128.load(c + 3 * ldc); }
  const a1 = asi, a2 = 2 * asi, a3 = 3 * asi;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a + a1), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a + a2), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a + a3), b0));
    a += asp; b += ldb;
  }
  v128.store(c, c0); v128.store(c + ldc, c1); v128.store(c + 2 * ldc, c2); v128.store(c + 3 * ldc, c3);
}

@inline function mk1x8(a: usize, asp: usize, b: usize, ldb: usize, c: usize, k: i32, acc: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  if (acc) { c0 = v128.load(c); c1 = v128.load(c, 16); }
  for (let p = 0; p < k; p++) {
    const s = v128.load32_splat(a);
    c0 = f32x4.add(c0, f32x4.mul(s, v128.load(b)));
    c1 = f32x4.add(c1, f32x4.mul(s, v128.load(b, 16)));
    a += asp; b += ldb;
  }
  v128.store(c, c0); v128.store(c, c1, 16);
}

@inline function mk1x4(a: usize, asp: usize, b: usize, ldb: usize, c: usize, k: i32, acc: bool): void {
  let c0 = f32x4.splat(0);
  if (acc) c0 = v128.load(c);
  for (let p = 0; p < k; p++) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a), v128.load(b)));
    a += asp; b += ldb;
  }
  v128.store(c, c0);
}

/** Scalar tile for the last n % 4 columns: rows x cols <= 4 x 3. */
function mkScalar(a: usize, asi: usize, asp: usize, b: usize, ldb: usize, c: usize, ldc: usize, rows: i32, cols: i32, k: i32, acc: bool): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s: f32 = acc ? load<f32>(c + <usize>i * ldc + <usize>j * 4) : 0;
      let pa = a + <usize>i * asi;
      let pb = b + <usize>j * 4;
      for (let p = 0; p < k; p++) {
        s += load<f32>(pa) * load<f32>(pb);
        pa += asp; pb += ldb;
      }
      store<f32>(c + <usize>i * ldc + <usize>j * 4, s);
    }
  }
}

/** Rows [i0, i1) of C against all n columns. */
function gemmRows(a: usize, asi: usize, asp: usize, b: usize, ldb: usize, c: usize, ldc: usize, i0: i32, i1: i32, n: i32, k: i32, acc: bool): void {
  const n8 = n & ~7;
  const n4 = n & ~3;
  const full = i0 + ((i1 - i0) & ~3);
  for (let j = 0; j < n8; j += 8) {
    const bj = b + <usize>j * 4;
    for (let i = i0; i < full; i += 4) mk4x8(a + <usize>i * asi, asi, asp, bj, ldb, c + <usize>i * ldc + <usize>j * 4, ldc, k, acc);
    for (let i = full; i < i1; i++) mk1x8(a + <usize>i * asi, asp, bj, ldb, c + <usize>i * ldc + <usize>j * 4, k, acc);
  }
  if (n4 > n8) {
    const bj = b + <usize>n8 * 4;
    for (let i = i0; i < full; i += 4) mk4x4(a + <usize>i * asi, asi, asp, bj, ldb, c + <usize>i * ldc + <usize>n8 * 4, ldc, k, acc);
    for (let i = full; i < i1; i++) mk1x4(a + <usize>i * asi, asp, bj, ldb, c + <usize>i * ldc + <usize>n8 * 4, k, acc);
  }
  if (n > n4) {
    for (let i = i0; i < i1; i += 4) {
      mkScalar(a + <usize>i * asi, asi, asp, b + <usize>n4 * 4, ldb, c + <usize>i * ldc + <usize>n4 * 4, ldc, min(4, i1 - i), n - n4, k, acc);
    }
  }
}

/**
 * C[m, n] (+)= A(m, k) B[k, n]. Rows go in blocks of 64 so that a block of A stays in L1 while every column tile
 * passes over it.
 */
export function gemm(a: usize, asi: usize, asp: usize, b: usize, ldb: usize, c: usize, ldc: usize, m: i32, n: i32, k: i32, acc: bool): void {
  for (let i0 = 0; i0 < m; i0 += 64) gemmRows(a, asi, asp, b, ldb, c, ldc, i0, min(m, i0 + 64), n, k, acc);
}

// ---------------------------------------------------------------------------------------------------------------
// Convolution geometry, passed as one block of i32 so that calls stay short:
//  0 batch, 1 inH, 2 inW, 3 inC, 4 outH, 5 outW, 6 outC, 7 kh, 8 kw, 9 strideH, 10 strideW, 11 padTop,
//  12 padLeft, 13 groups, 14 padBottom, 15 padRight
//
// Most convolutions run "direct": the input is copied once into a zero-padded buffer (when it has padding), and the
// microkernels read it through two small tables instead of an im2col matrix: the byte address of each output
// pixel's receptive-field corner (pixel table, per block of PIXELS outputs) and the byte offset of each of the
// kh * kw * cin/groups filter taps from that corner (tap table). An im2col matrix is 9x the input for a 3x3 conv
// and took a third of the time of a convolution; the tables are a few KB.

@inline function geo(g: usize, i: i32): i32 { return load<i32>(g + (<usize>i << 2)); }

/** Output pixels per pixel table: enough for a long reduction, small enough for their input to stay in L2. */
const PIXELS: i32 = 256;

@inline function align16(n: usize): usize { return (n + 15) & ~(<usize>15); }

/** Copies x [n, h, w, c] into xp [n, h + pt + pb, w + pl + pr, c], zero around. */
function padInput(x: usize, xp: usize, n: i32, h: i32, w: i32, c: i32, pt: i32, pb: i32, pl: i32, pr: i32): void {
  const hp = h + pt + pb, wp = w + pl + pr;
  const rowIn = <usize>(w * c) << 2;
  const rowOut = <usize>(wp * c) << 2;
  const left = <usize>(pl * c) << 2, right = <usize>(pr * c) << 2;
  for (let b = 0; b < n; b++) {
    const img = xp + <usize>(b * hp) * rowOut;
    memory.fill(img, 0, <usize>pt * rowOut);
    memory.fill(img + <usize>(pt + h) * rowOut, 0, <usize>pb * rowOut);
    for (let r = 0; r < h; r++) {
      const dst = img + <usize>(pt + r) * rowOut;
      if (left > 0) memory.fill(dst, 0, left);
      memory.copy(dst + left, x + <usize>(b * h + r) * rowIn, rowIn);
      if (right > 0) memory.fill(dst + left + rowIn, 0, right);
    }
  }
}

/** Pixel table: for output pixels m0 .. m0 + count - 1, the address of input pixel (n, oh * sh, ow * sw) in xp. */
function pixelTable(tab: usize, xp: usize, m0: i32, count: i32, outH: i32, outW: i32, hp: i32, wp: i32, c: i32, sh: i32, sw: i32): void {
  let ow = m0 % outW;
  let t = m0 / outW;
  let oh = t % outH;
  let n = t / outH;
  for (let i = 0; i < count; i++) {
    store<u32>(tab + (<usize>i << 2), <u32>(xp + (<usize>(((n * hp + oh * sh) * wp + ow * sw) * c) << 2)));
    if (++ow == outW) {
      ow = 0;
      if (++oh == outH) { oh = 0; n++; }
    }
  }
}

/** Tap table: byte offset of tap (ky, kx, ci) from the corner of a receptive field, in a [.., wp, c] input. */
function tapTable(koff: usize, kh: i32, kw: i32, cinG: i32, wp: i32, c: i32): void {
  let q: usize = 0;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      for (let ci = 0; ci < cinG; ci++) {
        store<u32>(koff + (q << 2), <u32>(((ky * wp + kx) * c + ci) << 2));
        q++;
      }
    }
  }
}

// Forward tiles: rows are output pixels p0..p3 (receptive-field corners), columns 8 or 4 output channels,
// C[i, j] = sum_q X[p_i + koff[q]] * B[q, j].

@inline function fw4x8(p0: usize, p1: usize, p2: usize, p3: usize, koff: usize, k: i32, b: usize, ldb: usize, c: usize, ldc: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let q = 0; q < k; q++) {
    const o = <usize>load<u32>(koff + (<usize>q << 2));
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load32_splat(p0 + o);
    c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(p1 + o);
    c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(p2 + o);
    c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(p3 + o);
    c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
    b += ldb;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

@inline function fw4x4(p0: usize, p1: usize, p2: usize, p3: usize, koff: usize, k: i32, b: usize, ldb: usize, c: usize, ldc: usize): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  for (let q = 0; q < k; q++) {
    const o = <usize>load<u32>(koff + (<usize>q << 2));
    const b0 = v128.load(b);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(p0 + o), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(p1 + o), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(p2 + o), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(p3 + o), b0));
    b += ldb;
  }
  v128.store(c, c0); v128.store(c + ldc, c1); v128.store(c + 2 * ldc, c2); v128.store(c + 3 * ldc, c3);
}

@inline function fw1x8(p0: usize, koff: usize, k: i32, b: usize, ldb: usize, c: usize): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  for (let q = 0; q < k; q++) {
    const s = v128.load32_splat(p0 + <usize>load<u32>(koff + (<usize>q << 2)));
    c0 = f32x4.add(c0, f32x4.mul(s, v128.load(b)));
    c1 = f32x4.add(c1, f32x4.mul(s, v128.load(b, 16)));
    b += ldb;
  }
  v128.store(c, c0); v128.store(c, c1, 16);
}

@inline function fw1x4(p0: usize, koff: usize, k: i32, b: usize, ldb: usize, c: usize): void {
  let c0 = f32x4.splat(0);
  for (let q = 0; q < k; q++) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(p0 + <usize>load<u32>(koff + (<usize>q << 2))), v128.load(b)));
    b += ldb;
  }
  v128.store(c, c0);
}

/** Any tile, one scalar at a time: the last cols < 4 columns. */
function fwScalar(p0: usize, koff: usize, k: i32, b: usize, ldb: usize, c: usize, cols: i32): void {
  for (let j = 0; j < cols; j++) {
    let s: f32 = 0;
    let pb = b + (<usize>j << 2);
    for (let q = 0; q < k; q++) {
      s += load<f32>(p0 + <usize>load<u32>(koff + (<usize>q << 2))) * load<f32>(pb);
      pb += ldb;
    }
    store<f32>(c + (<usize>j << 2), s);
  }
}

/**
 * y = conv(xp, w) with xp already padded ([n, hp, wp, inC]), any stride, grouped. tab holds PIXELS u32, koff
 * kh * kw * inC / groups u32.
 */
function directForward(
  xp: usize, hp: i32, wp: i32, inC: i32, n: i32, outH: i32, outW: i32, outC: i32, kh: i32, kw: i32, sh: i32, sw: i32, groups: i32,
  w: usize, y: usize, tab: usize, koff: usize,
): void {
  const cinG = inC / groups, coutG = outC / groups;
  const k = kh * kw * cinG;
  tapTable(koff, kh, kw, cinG, wp, inC);
  const rows = n * outH * outW;
  const ld = <usize>outC << 2;
  const n8 = coutG & ~7, n4 = coutG & ~3;
  for (let m0 = 0; m0 < rows; m0 += PIXELS) {
    const count = min(PIXELS, rows - m0);
    const full = count & ~3;
    pixelTable(tab, xp, m0, count, outH, outW, hp, wp, inC, sh, sw);
    for (let g = 0; g < groups; g++) {
      const goff = <usize>(g * cinG) << 2;
      const wg = w + (<usize>(g * coutG) << 2);
      const yg = y + <usize>m0 * ld + (<usize>(g * coutG) << 2);
      for (let j = 0; j < n8; j += 8) {
        const bj = wg + (<usize>j << 2);
        for (let m = 0; m < full; m += 4) {
          const t = tab + (<usize>m << 2);
          fw4x8(<usize>load<u32>(t) + goff, <usize>load<u32>(t, 4) + goff, <usize>load<u32>(t, 8) + goff, <usize>load<u32>(t, 12) + goff,
            koff, k, bj, ld, yg + <usize>m * ld + (<usize>j << 2), ld);
        }
        for (let m = full; m < count; m++) fw1x8(<usize>load<u32>(tab + (<usize>m << 2)) + goff, koff, k, bj, ld, yg + <usize>m * ld + (<usize>j << 2));
      }
      if (n4 > n8) {
        const bj = wg + (<usize>n8 << 2);
        for (let m = 0; m < full; m += 4) {
          const t = tab + (<usize>m << 2);
          fw4x4(<usize>load<u32>(t) + goff, <usize>load<u32>(t, 4) + goff, <usize>load<u32>(t, 8) + goff, <usize>load<u32>(t, 12) + goff,
            koff, k, bj, ld, yg + <usize>m * ld + (<usize>n8 << 2), ld);
        }
        for (let m = full; m < count; m++) fw1x4(<usize>load<u32>(tab + (<usize>m << 2)) + goff, koff, k, bj, ld, yg + <usize>m * ld + (<usize>n8 << 2));
      }
      if (coutG > n4) {
        for (let m = 0; m < count; m++) {
          fwScalar(<usize>load<u32>(tab + (<usize>m << 2)) + goff, koff, k, wg + (<usize>n4 << 2), ld, yg + <usize>m * ld + (<usize>n4 << 2), coutG - n4);
        }
      }
    }
  }
}

// Filter-gradient tiles: rows are 4 filter rows q (input offsets o0..o3 from a pixel's corner), columns 8 or 4
// output channels, accumulated over the pixels of one table: C[i, j] += sum_p X[tab[p] + o_i] * DY[p, j].

@inline function bw4x8(tab: usize, count: i32, o0: usize, o1: usize, o2: usize, o3: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  let c00 = v128.load(c), c01 = v128.load(c, 16);
  let c10 = v128.load(c + ldc), c11 = v128.load(c + ldc, 16);
  let c20 = v128.load(c + 2 * ldc), c21 = v128.load(c + 2 * ldc, 16);
  let c30 = v128.load(c + 3 * ldc), c31 = v128.load(c + 3 * ldc, 16);
  for (let p = 0; p < count; p++) {
    const base = <usize>load<u32>(tab + (<usize>p << 2));
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load32_splat(base + o0);
    c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(base + o1);
    c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(base + o2);
    c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(base + o3);
    c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
    b += ldb;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

@inline function bw4x4(tab: usize, count: i32, o0: usize, o1: usize, o2: usize, o3: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  let c0 = v128.load(c), c1 = v128.load(c + ldc), c2 = v128.load(c + 2 * ldc), c3 = v128.load(c + 3 * ldc);
  for (let p = 0; p < count; p++) {
    const base = <usize>load<u32>(tab + (<usize>p << 2));
    const b0 = v128.load(b);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(base + o0), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(base + o1), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(base + o2), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(base + o3), b0));
    b += ldb;
  }
  v128.store(c, c0); v128.store(c + ldc, c1); v128.store(c + 2 * ldc, c2); v128.store(c + 3 * ldc, c3);
}

@inline function bw1x8(tab: usize, count: i32, o0: usize, b: usize, ldb: usize, c: usize): void {
  let c0 = v128.load(c), c1 = v128.load(c, 16);
  for (let p = 0; p < count; p++) {
    const s = v128.load32_splat(<usize>load<u32>(tab + (<usize>p << 2)) + o0);
    c0 = f32x4.add(c0, f32x4.mul(s, v128.load(b)));
    c1 = f32x4.add(c1, f32x4.mul(s, v128.load(b, 16)));
    b += ldb;
  }
  v128.store(c, c0); v128.store(c, c1, 16);
}

@inline function bw1x4(tab: usize, count: i32, o0: usize, b: usize, ldb: usize, c: usize): void {
  let c0 = v128.load(c);
  for (let p = 0; p < count; p++) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(<usize>load<u32>(tab + (<usize>p << 2)) + o0), v128.load(b)));
    b += ldb;
  }
  v128.store(c, c0);
}

function bwScalar(tab: usize, count: i32, o0: usize, b: usize, ldb: usize, c: usize, cols: i32): void {
  for (let j = 0; j < cols; j++) {
    let s = load<f32>(c + (<usize>j << 2));
    let pb = b + (<usize>j << 2);
    for (let p = 0; p < count; p++) {
      s += load<f32>(<usize>load<u32>(tab + (<usize>p << 2)) + o0) * load<f32>(pb);
      pb += ldb;
    }
    store<f32>(c + (<usize>j << 2), s);
  }
}

/** dw = sum over output pixels of X[pixel + tap] dy[pixel], xp already padded. tab, koff as for directForward. */
function directBackpropFilter(
  xp: usize, hp: i32, wp: i32, inC: i32, n: i32, outH: i32, outW: i32, outC: i32, kh: i32, kw: i32, sh: i32, sw: i32, groups: i32,
  dy: usize, dw: usize, tab: usize, koff: usize,
): void {
  const cinG = inC / groups, coutG = outC / groups;
  const k = kh * kw * cinG;
  tapTable(koff, kh, kw, cinG, wp, inC);
  const ld = <usize>outC << 2;
  memory.fill(dw, 0, <usize>k * ld);
  const rows = n * outH * outW;
  const n8 = coutG & ~7, n4 = coutG & ~3;
  for (let m0 = 0; m0 < rows; m0 += PIXELS) {
    const count = min(PIXELS, rows - m0);
    pixelTable(tab, xp, m0, count, outH, outW, hp, wp, inC, sh, sw);
    for (let g = 0; g < groups; g++) {
      const goff = <usize>(g * cinG) << 2;
      const dyg = dy + <usize>m0 * ld + (<usize>(g * coutG) << 2);
      const dwg = dw + (<usize>(g * coutG) << 2);
      for (let q = 0; q < k; q += 4) {
        const rowsHere = min(4, k - q);
        const o0 = <usize>load<u32>(koff + (<usize>q << 2)) + goff;
        if (rowsHere == 4) {
          const o1 = <usize>load<u32>(koff + (<usize>q << 2), 4) + goff;
          const o2 = <usize>load<u32>(koff + (<usize>q << 2), 8) + goff;
          const o3 = <usize>load<u32>(koff + (<usize>q << 2), 12) + goff;
          for (let j = 0; j < n8; j += 8) bw4x8(tab, count, o0, o1, o2, o3, dyg + (<usize>j << 2), ld, dwg + <usize>q * ld + (<usize>j << 2), ld);
          if (n4 > n8) bw4x4(tab, count, o0, o1, o2, o3, dyg + (<usize>n8 << 2), ld, dwg + <usize>q * ld + (<usize>n8 << 2), ld);
        }
        for (let i = q; i < q + rowsHere; i++) {
          const oi = <usize>load<u32>(koff + (<usize>i << 2)) + goff;
          const ci = dwg + <usize>i * ld;
          if (rowsHere < 4) {
            for (let j = 0; j < n8; j += 8) bw1x8(tab, count, oi, dyg + (<usize>j << 2), ld, ci + (<usize>j << 2));
            if (n4 > n8) bw1x4(tab, count, oi, dyg + (<usize>n8 << 2), ld, ci + (<usize>n8 << 2));
          }
          if (coutG > n4) bwScalar(tab, count, oi, dyg + (<usize>n4 << 2), ld, ci + (<usize>n4 << 2), coutG - n4);
        }
      }
    }
  }
}

// The im2col route, kept for the input gradient of strided convolutions (a scatter the direct kernels cannot do).

/** Copies `count` floats (vectorised) from src to dst. */
@inline function copyFloats(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

@inline function addFloats(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const d = dst + (<usize>i << 2);
    v128.store(d, f32x4.add(v128.load(d), v128.load(src + (<usize>i << 2))));
  }
  for (; i < count; i++) {
    const d = dst + (<usize>i << 2);
    store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>i << 2)));
  }
}

/** The adjoint of im2col: adds rows [r0, r1) of group g's column matrix into dx at the pixels they came from. */
function col2imAdd(cols: usize, dx: usize, gm: usize, g: i32, r0: i32, r1: i32): void {
  const inH = geo(gm, 1), inW = geo(gm, 2), inC = geo(gm, 3), outH = geo(gm, 4), outW = geo(gm, 5);
  const kh = geo(gm, 7), kw = geo(gm, 8), sh = geo(gm, 9), sw = geo(gm, 10), pt = geo(gm, 11), pl = geo(gm, 12);
  const cinG = inC / geo(gm, 13);
  const rowBytes = <usize>(kh * kw * cinG) << 2;
  const chunk = <usize>cinG << 2;
  const xg = dx + (<usize>(g * cinG) << 2);
  let src = cols;
  for (let r = r0; r < r1; r++) {
    const ow = r % outW;
    const t = r / outW;
    const oh = t % outH;
    const n = t / outH;
    let s = src;
    for (let ky = 0; ky < kh; ky++) {
      const ih = oh * sh + ky - pt;
      if (ih < 0 || ih >= inH) {
        s += chunk * <usize>kw;
        continue;
      }
      const rowBase = xg + (<usize>((n * inH + ih) * inW) * <usize>inC << 2);
      for (let kx = 0; kx < kw; kx++) {
        const iw = ow * sw + kx - pl;
        if (iw >= 0 && iw < inW) addFloats(rowBase + (<usize>(iw * inC) << 2), s, cinG);
        s += chunk;
      }
    }
    src += rowBytes;
  }
}

/** Whether the convolution reads x as it is: 1x1, stride 1, no padding (a plain GEMM). */
@inline function isPointwise(gm: usize): bool {
  return geo(gm, 7) == 1 && geo(gm, 8) == 1 && geo(gm, 9) == 1 && geo(gm, 10) == 1 && geo(gm, 11) == 0 && geo(gm, 12) == 0 && geo(gm, 14) == 0 && geo(gm, 15) == 0;
}

@inline function hasPadding(gm: usize): bool {
  return geo(gm, 11) != 0 || geo(gm, 12) != 0 || geo(gm, 14) != 0 || geo(gm, 15) != 0;
}

/** Whether dx is a stride-1 convolution of dy padded by k - 1 - pad (every pad at most k - 1). */
@inline function inputGradIsConv(gm: usize): bool {
  const kh = geo(gm, 7), kw = geo(gm, 8);
  return geo(gm, 9) == 1 && geo(gm, 10) == 1 && geo(gm, 11) < kh && geo(gm, 14) < kh && geo(gm, 12) < kw && geo(gm, 15) < kw;
}

/** im2col rows per block of the strided input gradient: about 256 KB of columns, so a block stays in L2. */
@inline function blockRows(gm: usize): i32 {
  const k = geo(gm, 7) * geo(gm, 8) * (geo(gm, 3) / geo(gm, 13));
  return max(16, min(1024, (65536 / k) & ~3));
}

@inline function paddedBytes(gm: usize): usize {
  return align16(<usize>(geo(gm, 0) * (geo(gm, 1) + geo(gm, 11) + geo(gm, 14)) * (geo(gm, 2) + geo(gm, 12) + geo(gm, 15)) * geo(gm, 3)) << 2);
}

@inline function filterBytes(gm: usize): usize {
  return align16(<usize>(geo(gm, 7) * geo(gm, 8) * (geo(gm, 3) / geo(gm, 13)) * geo(gm, 6)) << 2);
}

@inline function tablesBytes(gm: usize): usize {
  const taps = geo(gm, 7) * geo(gm, 8) * max(geo(gm, 3), geo(gm, 6));
  return align16(<usize>PIXELS << 2) + align16(<usize>taps << 2);
}

/** Scratch bytes a pass needs: 0 forward, 1 filter gradient, 2 input gradient. */
export function convScratchBytes(gm: usize, pass: i32): usize {
  if (isPointwise(gm)) return pass == 2 ? filterBytes(gm) : 16;
  if (pass < 2) return (hasPadding(gm) ? paddedBytes(gm) : 0) + tablesBytes(gm);
  if (inputGradIsConv(gm)) {
    const dyp = <usize>(geo(gm, 0) * (geo(gm, 1) + geo(gm, 7) - 1) * (geo(gm, 2) + geo(gm, 8) - 1) * geo(gm, 6)) << 2;
    return align16(dyp) + filterBytes(gm) + tablesBytes(gm);
  }
  return filterBytes(gm) + align16(<usize>(blockRows(gm) * geo(gm, 7) * geo(gm, 8) * (geo(gm, 3) / geo(gm, 13))) << 2);
}

/** The input as the direct kernels read it: padded into scratch when the conv pads, else x itself. */
function paddedInput(x: usize, gm: usize, scratch: usize): usize {
  if (!hasPadding(gm)) return x;
  padInput(x, scratch, geo(gm, 0), geo(gm, 1), geo(gm, 2), geo(gm, 3), geo(gm, 11), geo(gm, 14), geo(gm, 12), geo(gm, 15));
  return scratch;
}

/** y = conv(x, w), grouped. `scratch` holds convScratchBytes(gm, 0). */
export function convForward(x: usize, w: usize, y: usize, scratch: usize, gm: usize): void {
  const n = geo(gm, 0), inC = geo(gm, 3), outC = geo(gm, 6), groups = geo(gm, 13);
  if (isPointwise(gm)) {
    const rows = n * geo(gm, 4) * geo(gm, 5);
    const cinG = inC / groups, coutG = outC / groups;
    for (let g = 0; g < groups; g++) {
      gemm(x + (<usize>(g * cinG) << 2), <usize>inC << 2, 4, w + (<usize>(g * coutG) << 2), <usize>outC << 2, y + (<usize>(g * coutG) << 2), <usize>outC << 2, rows, coutG, cinG, false);
    }
    return;
  }
  const xp = paddedInput(x, gm, scratch);
  const tab = scratch + (hasPadding(gm) ? paddedBytes(gm) : 0);
  directForward(
    xp, geo(gm, 1) + geo(gm, 11) + geo(gm, 14), geo(gm, 2) + geo(gm, 12) + geo(gm, 15), inC, n, geo(gm, 4), geo(gm, 5), outC,
    geo(gm, 7), geo(gm, 8), geo(gm, 9), geo(gm, 10), groups, w, y, tab, tab + align16(<usize>PIXELS << 2),
  );
}

/** dw = the filter gradient of convForward for output gradient dy. `scratch` holds convScratchBytes(gm, 1). */
export function convBackpropFilter(x: usize, dy: usize, dw: usize, scratch: usize, gm: usize): void {
  const n = geo(gm, 0), inC = geo(gm, 3), outC = geo(gm, 6), groups = geo(gm, 13);
  if (isPointwise(gm)) {
    const rows = n * geo(gm, 4) * geo(gm, 5);
    const cinG = inC / groups, coutG = outC / groups;
    memory.fill(dw, 0, <usize>(cinG * outC) << 2);
    // dw_g = x_g^T dy_g, the reduction over pixels in blocks so that each block of x and dy is read from L1.
    for (let r0 = 0; r0 < rows; r0 += PIXELS) {
      const r1 = min(rows, r0 + PIXELS);
      for (let g = 0; g < groups; g++) {
        gemm(x + <usize>r0 * (<usize>inC << 2) + (<usize>(g * cinG) << 2), 4, <usize>inC << 2, dy + <usize>r0 * (<usize>outC << 2) + (<usize>(g * coutG) << 2), <usize>outC << 2,
          dw + (<usize>(g * coutG) << 2), <usize>outC << 2, cinG, coutG, r1 - r0, true);
      }
    }
    return;
  }
  const xp = paddedInput(x, gm, scratch);
  const tab = scratch + (hasPadding(gm) ? paddedBytes(gm) : 0);
  directBackpropFilter(
    xp, geo(gm, 1) + geo(gm, 11) + geo(gm, 14), geo(gm, 2) + geo(gm, 12) + geo(gm, 15), inC, n, geo(gm, 4), geo(gm, 5), outC,
    geo(gm, 7), geo(gm, 8), geo(gm, 9), geo(gm, 10), groups, dy, dw, tab, tab + align16(<usize>PIXELS << 2),
  );
}

/** w transposed per group: wt[g][j][q] = w[q, g * coutG + j] (q over kh * kw * cinG). */
function transposeFilter(w: usize, wt: usize, k: i32, outC: i32, groups: i32): void {
  const coutG = outC / groups;
  for (let g = 0; g < groups; g++) {
    const dst = wt + (<usize>(g * coutG * k) << 2);
    for (let q = 0; q < k; q++) {
      const src = w + (<usize>(q * outC + g * coutG) << 2);
      for (let j = 0; j < coutG; j++) store<f32>(dst + (<usize>(j * k + q) << 2), load<f32>(src + (<usize>j << 2)));
    }
  }
}

/** The filter of the input gradient as a convolution: wf[ky, kx, j, g * cinG + c] = w[kh-1-ky, kw-1-kx, c, g * coutG + j]. */
function flipFilter(w: usize, wf: usize, kh: i32, kw: i32, inC: i32, outC: i32, groups: i32): void {
  const cinG = inC / groups, coutG = outC / groups;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const tapIn = w + (<usize>(((kh - 1 - ky) * kw + (kw - 1 - kx)) * cinG * outC) << 2);
      const tapOut = wf + (<usize>((ky * kw + kx) * coutG * inC) << 2);
      for (let g = 0; g < groups; g++) {
        for (let c = 0; c < cinG; c++) {
          for (let j = 0; j < coutG; j++) {
            store<f32>(tapOut + (<usize>(j * inC + g * cinG + c) << 2), load<f32>(tapIn + (<usize>(c * outC + g * coutG + j) << 2)));
          }
        }
      }
    }
  }
}

/**
 * dx = the input gradient of convForward for output gradient dy. Stride 1: a convolution of dy, padded by
 * k - 1 - pad, with the flipped filter (direct kernels). Strided: per group, columns = dy_g w_g^T added back to
 * the pixels they came from (col2im). `scratch` holds convScratchBytes(gm, 2).
 */
export function convBackpropInput(dy: usize, w: usize, dx: usize, scratch: usize, gm: usize): void {
  const n = geo(gm, 0), inH = geo(gm, 1), inW = geo(gm, 2), inC = geo(gm, 3), outH = geo(gm, 4), outW = geo(gm, 5), outC = geo(gm, 6);
  const kh = geo(gm, 7), kw = geo(gm, 8), groups = geo(gm, 13);
  const cinG = inC / groups, coutG = outC / groups;
  const k = kh * kw * cinG;
  if (isPointwise(gm)) {
    const rows = n * outH * outW;
    transposeFilter(w, scratch, k, outC, groups);
    for (let g = 0; g < groups; g++) {
      gemm(dy + (<usize>(g * coutG) << 2), <usize>outC << 2, 4, scratch + (<usize>(g * coutG * k) << 2), <usize>k << 2, dx + (<usize>(g * cinG) << 2), <usize>inC << 2, rows, cinG, coutG, false);
    }
    return;
  }
  if (inputGradIsConv(gm)) {
    const pt = kh - 1 - geo(gm, 11), pb = kh - 1 - geo(gm, 14), pl = kw - 1 - geo(gm, 12), pr = kw - 1 - geo(gm, 15);
    const hq = outH + pt + pb, wq = outW + pl + pr;
    const dyp = scratch;
    const wf = dyp + align16(<usize>(n * hq * wq * outC) << 2);
    const tab = wf + filterBytes(gm);
    padInput(dy, dyp, n, outH, outW, outC, pt, pb, pl, pr);
    flipFilter(w, wf, kh, kw, inC, outC, groups);
    directForward(dyp, hq, wq, outC, n, inH, inW, inC, kh, kw, 1, 1, groups, wf, dx, tab, tab + align16(<usize>PIXELS << 2));
    return;
  }
  const wt = scratch;
  const cols = scratch + filterBytes(gm);
  transposeFilter(w, wt, k, outC, groups);
  memory.fill(dx, 0, <usize>(n * inH * inW * inC) << 2);
  const rows = n * outH * outW;
  const block = blockRows(gm);
  const ldy = <usize>outC << 2, ldt = <usize>k << 2;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = min(rows, r0 + block);
    for (let g = 0; g < groups; g++) {
      gemm(dy + <usize>r0 * ldy + (<usize>(g * coutG) << 2), ldy, 4, wt + (<usize>(g * coutG * k) << 2), ldt, cols, ldt, r1 - r0, k, coutG, false);
      col2imAdd(cols, dx, gm, g, r0, r1);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Per-channel reductions over the rows of a [rows, C] matrix (NHWC with N, H, W flattened). Sums run in f32 over
// blocks of 64 rows and are folded into f64 totals, so that a channel's sum over 10^6 values keeps its precision.

const ROW_BLOCK: i32 = 64;

/** Zeroes `count` f64 at p. */
@inline function zero64(p: usize, count: i32): void { memory.fill(p, 0, <usize>count << 3); }

/** tot64[j] += blk32[j] for j < count, then blk32 = 0. */
function fold(tot64: usize, blk32: usize, count: i32): void {
  for (let j = 0; j < count; j++) {
    const t = tot64 + (<usize>j << 3);
    store<f64>(t, load<f64>(t) + <f64>load<f32>(blk32 + (<usize>j << 2)));
  }
  memory.fill(blk32, 0, <usize>count << 2);
}

/**
 * Batch-norm statistics of x [rows, c]: mean and biased variance per channel. The sums are of x - x[0] (a per-channel
 * shift), which keeps E[x^2] - E[x]^2 from cancelling when the mean is large against the spread.
 * scratch: 2c f32 + 2c f64 (24c bytes).
 */
export function bnStats(x: usize, rows: i32, c: i32, mean: usize, variance: usize, scratch: usize): void {
  const s1 = scratch, s2 = scratch + (<usize>c << 2);
  const t1 = scratch + (<usize>c << 3), t2 = t1 + (<usize>c << 3);
  memory.fill(s1, 0, <usize>c << 3);
  zero64(t1, 2 * c);
  const ld = <usize>c << 2;
  const c4 = c & ~3;
  for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const r1 = min(rows, r0 + ROW_BLOCK);
    for (let r = r0; r < r1; r++) {
      const row = x + <usize>r * ld;
      let j = 0;
      for (; j < c4; j += 4) {
        const o = <usize>j << 2;
        const d = f32x4.sub(v128.load(row + o), v128.load(x + o));
        v128.store(s1 + o, f32x4.add(v128.load(s1 + o), d));
        v128.store(s2 + o, f32x4.add(v128.load(s2 + o), f32x4.mul(d, d)));
      }
      for (; j < c; j++) {
        const o = <usize>j << 2;
        const d = load<f32>(row + o) - load<f32>(x + o);
        store<f32>(s1 + o, load<f32>(s1 + o) + d);
        store<f32>(s2 + o, load<f32>(s2 + o) + d * d);
      }
    }
    fold(t1, s1, c);
    fold(t2, s2, c);
  }
  const inv = 1.0 / <f64>rows;
  for (let j = 0; j < c; j++) {
    const m1 = load<f64>(t1 + (<usize>j << 3)) * inv;
    const m2 = load<f64>(t2 + (<usize>j << 3)) * inv;
    store<f32>(mean + (<usize>j << 2), <f32>(<f64>load<f32>(x + (<usize>j << 2)) + m1));
    store<f32>(variance + (<usize>j << 2), <f32>max(0.0, m2 - m1 * m1));
  }
}

/** y[r, j] = x[r, j] * scale[j] + shift[j]. */
export function scaleShift(x: usize, y: usize, rows: i32, c: i32, scale: usize, shift: usize): void {
  const ld = <usize>c << 2;
  const c4 = c & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * ld, yr = y + <usize>r * ld;
    let j = 0;
    for (; j < c4; j += 4) {
      const o = <usize>j << 2;
      v128.store(yr + o, f32x4.add(f32x4.mul(v128.load(xr + o), v128.load(scale + o)), v128.load(shift + o)));
    }
    for (; j < c; j++) {
      const o = <usize>j << 2;
      store<f32>(yr + o, load<f32>(xr + o) * load<f32>(scale + o) + load<f32>(shift + o));
    }
  }
}

/**
 * Training batch norm, forward: mean, biased variance, and y = gamma (x - mean) / sqrt(var + eps) + beta.
 * scratch: 24c bytes for the statistics, then 2c f32 for scale and shift (32c bytes in all).
 */
export function bnForward(x: usize, gamma: usize, beta: usize, y: usize, mean: usize, variance: usize, rows: i32, c: i32, eps: f32, scratch: usize): void {
  bnStats(x, rows, c, mean, variance, scratch);
  const scale = scratch, shift = scratch + (<usize>c << 2);
  for (let j = 0; j < c; j++) {
    const o = <usize>j << 2;
    const s = load<f32>(gamma + o) / Mathf.sqrt(load<f32>(variance + o) + eps);
    store<f32>(scale + o, s);
    store<f32>(shift + o, load<f32>(beta + o) - load<f32>(mean + o) * s);
  }
  scaleShift(x, y, rows, c, scale, shift);
}

/**
 * Training batch norm, backward (Ioffe & Szegedy 2015, section 3, with M = rows):
 *   dbeta = sum dy, dgamma = sum dy * xhat, dx = gamma * invstd / M * (M dy - dbeta - xhat dgamma),
 * xhat = (x - mean) * invstd, invstd = 1 / sqrt(var + eps). dx is a per-channel a * dy + b * (x - mean) + c, with
 * x - mean formed first: b * x + c' would cancel when the mean is large against the spread.
 * scratch: 32c bytes.
 */
export function bnBackward(dy: usize, x: usize, gamma: usize, mean: usize, variance: usize, dx: usize, dgamma: usize, dbeta: usize, rows: i32, c: i32, eps: f32, scratch: usize): void {
  const s1 = scratch, s2 = scratch + (<usize>c << 2);
  const t1 = scratch + (<usize>c << 3), t2 = t1 + (<usize>c << 3);
  memory.fill(s1, 0, <usize>c << 3);
  zero64(t1, 2 * c);
  const ld = <usize>c << 2;
  const c4 = c & ~3;
  for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const r1 = min(rows, r0 + ROW_BLOCK);
    for (let r = r0; r < r1; r++) {
      const xr = x + <usize>r * ld, dr = dy + <usize>r * ld;
      let j = 0;
      for (; j < c4; j += 4) {
        const o = <usize>j << 2;
        const g = v128.load(dr + o);
        v128.store(s1 + o, f32x4.add(v128.load(s1 + o), g));
        v128.store(s2 + o, f32x4.add(v128.load(s2 + o), f32x4.mul(g, f32x4.sub(v128.load(xr + o), v128.load(mean + o)))));
      }
      for (; j < c; j++) {
        const o = <usize>j << 2;
        const g = load<f32>(dr + o);
        store<f32>(s1 + o, load<f32>(s1 + o) + g);
        store<f32>(s2 + o, load<f32>(s2 + o) + g * (load<f32>(xr + o) - load<f32>(mean + o)));
      }
    }
    fold(t1, s1, c);
    fold(t2, s2, c);
  }
  const ca = scratch, cb = scratch + (<usize>c << 2), cc = t2 + (<usize>c << 3);
  const m = <f64>rows;
  for (let j = 0; j < c; j++) {
    const o = <usize>j << 2;
    const invstd = 1.0 / Math.sqrt(<f64>load<f32>(variance + o) + <f64>eps);
    const sdy = load<f64>(t1 + (<usize>j << 3));
    const sdyx = load<f64>(t2 + (<usize>j << 3));
    const dg = sdyx * invstd;
    store<f32>(dbeta + o, <f32>sdy);
    store<f32>(dgamma + o, <f32>dg);
    const k = <f64>load<f32>(gamma + o) * invstd / m;
    // dx = k (M dy - sdy - (x - mean) invstd dg)
    store<f32>(ca + o, <f32>(k * m));
    store<f32>(cb + o, <f32>(-k * invstd * dg));
    store<f32>(cc + o, <f32>(-k * sdy));
  }
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * ld, dr = dy + <usize>r * ld, or = dx + <usize>r * ld;
    let j = 0;
    for (; j < c4; j += 4) {
      const o = <usize>j << 2;
      const centred = f32x4.sub(v128.load(xr + o), v128.load(mean + o));
      const v = f32x4.add(f32x4.add(f32x4.mul(v128.load(dr + o), v128.load(ca + o)), f32x4.mul(centred, v128.load(cb + o))), v128.load(cc + o));
      v128.store(or + o, v);
    }
    for (; j < c; j++) {
      const o = <usize>j << 2;
      store<f32>(or + o, load<f32>(dr + o) * load<f32>(ca + o) + (load<f32>(xr + o) - load<f32>(mean + o)) * load<f32>(cb + o) + load<f32>(cc + o));
    }
  }
}

/** out[j] = sum over rows of x[r, j] (a Sum over every axis but the last). scratch: 12c bytes. */
export function columnSums(x: usize, rows: i32, c: i32, out: usize, scratch: usize): void {
  const s1 = scratch, t1 = scratch + (<usize>c << 2);
  memory.fill(s1, 0, <usize>c << 2);
  zero64(t1, c);
  const ld = <usize>c << 2;
  const c4 = c & ~3;
  for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const r1 = min(rows, r0 + ROW_BLOCK);
    for (let r = r0; r < r1; r++) {
      const row = x + <usize>r * ld;
      let j = 0;
      for (; j < c4; j += 4) v128.store(s1 + (<usize>j << 2), f32x4.add(v128.load(s1 + (<usize>j << 2)), v128.load(row + (<usize>j << 2))));
      for (; j < c; j++) store<f32>(s1 + (<usize>j << 2), load<f32>(s1 + (<usize>j << 2)) + load<f32>(row + (<usize>j << 2)));
    }
    fold(t1, s1, c);
  }
  for (let j = 0; j < c; j++) store<f32>(out + (<usize>j << 2), <f32>load<f64>(t1 + (<usize>j << 3)));
}

/** dx = dy where x > 0, else 0 (ReLU's gradient), over n floats. */
export function reluGrad(dy: usize, x: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

/** out = v - lr * g over n floats (a plain SGD update). */
export function sgdUpdate(v: usize, g: usize, out: usize, n: i32, lr: f32): void {
  const rate = f32x4.splat(lr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.sub(v128.load(v + o), f32x4.mul(rate, v128.load(g + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(v + o) - lr * load<f32>(g + o));
  }
}

/**
 * torch.optim.SGD's update with dampening 0 over n floats (torch/optim/sgd.py _single_tensor_sgd): d = g + wd * v;
 * with a momentum buffer b (hasBuffer): b' = mu * b + d and step = nesterov ? d + mu * b' : b'; without: step = d.
 * out = v - lr * step, outBuf = b'. A zero buffer at the first step gives torch's b = clone(d) exactly.
 */
export function sgdStep(
  v: usize, g: usize, b: usize, out: usize, outB: usize, n: i32, lr: f32, wd: f32, mu: f32, hasBuffer: bool, nesterov: bool,
): void {
  const rate = f32x4.splat(lr), decay = f32x4.splat(wd), m = f32x4.splat(mu);
  let i = 0;
  if (!hasBuffer) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const p = v128.load(v + o);
      const d = f32x4.add(v128.load(g + o), f32x4.mul(decay, p));
      v128.store(out + o, f32x4.sub(p, f32x4.mul(rate, d)));
    }
  } else if (!nesterov) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const p = v128.load(v + o);
      const d = f32x4.add(v128.load(g + o), f32x4.mul(decay, p));
      const nb = f32x4.add(f32x4.mul(v128.load(b + o), m), d);
      v128.store(outB + o, nb);
      v128.store(out + o, f32x4.sub(p, f32x4.mul(rate, nb)));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const p = v128.load(v + o);
      const d = f32x4.add(v128.load(g + o), f32x4.mul(decay, p));
      const nb = f32x4.add(f32x4.mul(v128.load(b + o), m), d);
      v128.store(outB + o, nb);
      v128.store(out + o, f32x4.sub(p, f32x4.mul(rate, f32x4.add(d, f32x4.mul(m, nb)))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(v + o);
    const d = load<f32>(g + o) + wd * p;
    let step = d;
    if (hasBuffer) {
      const nb = load<f32>(b + o) * mu + d;
      store<f32>(outB + o, nb);
      step = nesterov ? d + mu * nb : nb;
    }
    store<f32>(out + o, p - lr * step);
  }
}

/**
 * torch.optim.Adam / AdamW's update over n floats, in torch's order of operations (torch/optim/adam.py and adamw.py,
 * _single_tensor_*): p = v * keep (AdamW: keep = 1 - lr * wd; Adam: 1); d = g + l2 * v (Adam: l2 = wd; AdamW: 0);
 * m' = m * beta1 + (1 - beta1) * d; s' = s * beta2 + (1 - beta2) * d * d; out = p - (stepSize * m') /
 * (sqrt(s') / bc2Sqrt + eps), with stepSize = lr / (1 - beta1^t) and bc2Sqrt = sqrt(1 - beta2^t) from the caller.
 */
export function adamStep(
  v: usize, g: usize, m: usize, s: usize, out: usize, outM: usize, outS: usize, n: i32,
  stepSize: f32, bc2Sqrt: f32, eps: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, l2: f32, keep: f32,
): void {
  const vStep = f32x4.splat(stepSize), vBc2 = f32x4.splat(bc2Sqrt), vEps = f32x4.splat(eps);
  const vB1 = f32x4.splat(beta1), vC1 = f32x4.splat(oneMinusBeta1), vB2 = f32x4.splat(beta2), vC2 = f32x4.splat(oneMinusBeta2);
  const vL2 = f32x4.splat(l2), vKeep = f32x4.splat(keep);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(v + o);
    const d = f32x4.add(v128.load(g + o), f32x4.mul(vL2, x));
    const nm = f32x4.add(f32x4.mul(v128.load(m + o), vB1), f32x4.mul(vC1, d));
    const ns = f32x4.add(f32x4.mul(v128.load(s + o), vB2), f32x4.mul(f32x4.mul(vC2, d), d));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(ns), vBc2), vEps);
    v128.store(outM + o, nm);
    v128.store(outS + o, ns);
    v128.store(out + o, f32x4.sub(f32x4.mul(x, vKeep), f32x4.div(f32x4.mul(vStep, nm), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(v + o);
    const d = load<f32>(g + o) + l2 * x;
    const nm = load<f32>(m + o) * beta1 + oneMinusBeta1 * d;
    const ns = load<f32>(s + o) * beta2 + oneMinusBeta2 * d * d;
    store<f32>(outM + o, nm);
    store<f32>(outS + o, ns);
    store<f32>(out + o, x * keep - (stepSize * nm) / (sqrt<f32>(ns) / bc2Sqrt + eps));
  }
}
