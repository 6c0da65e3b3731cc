//! Figures as self-contained files: SVG line plots, SVG heat maps with
//! contour lines, several SVG figures side by side, and grayscale PNG image
//! grids.
//!
//! No plotting crate and no fonts: SVG text is laid out by the viewer
//! (`font-family="sans-serif"`) and PNGs are encoded with the `png` crate.
//! Functions return the file contents; writing them is the caller's job.
//!
//! Conventions:
//! - numbers in the SVG text go through [`num`] (at most two decimals), so
//!   files are small and byte-for-byte deterministic;
//! - non-finite data never reaches the SVG text: line plots break the
//!   polyline at such points, heat maps draw a hatched grey cell, and both
//!   leave them out of the axis and colour ranges.

use std::collections::{BTreeMap, HashMap};

/// One named curve of a line plot.
pub struct Series<'a> {
    pub label: &'a str,
    pub points: &'a [(f64, f64)],
}

/// A line plot: one polyline per series, a legend when there are several.
pub struct LinePlot<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub series: &'a [Series<'a>],
    /// Logarithmic y axis; points with `y <= 0` are then skipped like NaN.
    pub log_y: bool,
}

/// A function sampled on a regular grid, drawn as coloured cells plus
/// contour lines.
///
/// Sample `(i, j)` is `values[j * nx + i]` and sits at
/// `x = x_range.0 + i * (x_range.1 - x_range.0) / (nx - 1)` (likewise for y),
/// i.e. the ranges are `linspace` end points. Each sample's cell is centred on
/// it, so the drawn area extends half a cell beyond the ranges.
pub struct HeatMap<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    /// `ny` rows of `nx` values; row 0 is at `y_range.0` (bottom). Missing
    /// values (a short slice) are drawn like NaN.
    pub values: &'a [f64],
    pub nx: usize,
    pub ny: usize,
    /// Number of contour levels, evenly spaced strictly between min and max.
    pub contours: usize,
}

/// A contour segment in grid coordinates.
pub type Segment = ((f64, f64), (f64, f64));

// ---------------------------------------------------------------- layout --

const LINE_W: f64 = 640.0;
const LINE_H: f64 = 400.0;
/// Heat-map plot area (square cells look right for weight-space grids).
const HEAT_AREA: f64 = 380.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 52.0;
/// Rough width of one character of 12px sans-serif, for margins.
const CHAR_W: f64 = 6.7;
const TARGET_TICKS: usize = 5;
/// Distinct series colours (matplotlib's "tab10"); after ten, lines are dashed.
const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
];
/// Viridis sampled at nine evenly spaced points.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (72, 40, 120),
    (62, 73, 137),
    (49, 104, 142),
    (38, 130, 142),
    (31, 158, 137),
    (53, 183, 121),
    (110, 206, 88),
    (253, 231, 37),
];
const MISSING_FILL: &str = "#bdbdbd";
const MISSING_HATCH: &str = "#7f7f7f";

/// The plot area in SVG pixels.
struct Frame {
    left: f64,
    top: f64,
    w: f64,
    h: f64,
}

impl Frame {
    fn x(&self, axis: &Axis, v: f64) -> f64 {
        self.left + axis.frac(v) * self.w
    }
    fn y(&self, axis: &Axis, v: f64) -> f64 {
        self.top + (1.0 - axis.frac(v)) * self.h
    }
}

// ------------------------------------------------------------ line plots --

/// Draws a line plot as a standalone SVG document.
pub fn line_plot_svg(p: &LinePlot) -> String {
    let keep = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite() && (!p.log_y || y > 0.0);
    let kept = || p.series.iter().flat_map(|s| s.points.iter().filter(|pt| keep(pt)));
    let x_axis = linear_axis(finite_range(kept().map(|pt| pt.0)), true);
    let y_range = finite_range(kept().map(|pt| pt.1));
    let y_axis = if p.log_y { log_axis(y_range) } else { linear_axis(y_range, true) };

    let legend = p.series.len() > 1;
    let legend_w = if legend {
        let chars = p.series.iter().map(|s| s.label.chars().count()).max().unwrap_or(0);
        44.0 + CHAR_W * chars as f64
    } else {
        0.0
    };
    let left = y_axis_margin(&y_axis);
    let frame = Frame {
        left,
        top: TOP,
        w: LINE_W - left - 20.0 - legend_w,
        h: LINE_H - TOP - BOTTOM,
    };

    let mut out = svg_open(LINE_W, LINE_H);
    draw_grid(&mut out, &frame, &x_axis, &y_axis);
    for (k, s) in p.series.iter().enumerate() {
        let (colour, dash) = series_style(k);
        let pixel = |(x, y): (f64, f64)| (frame.x(&x_axis, x), frame.y(&y_axis, y));
        let (d, dots) = polylines(s.points, keep, pixel);
        if !d.is_empty() {
            out.push_str(&format!(
                "<path d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\" stroke-linejoin=\"round\"{dash}/>\n"
            ));
        }
        for (x, y) in dots {
            out.push_str(&format!(
                "<circle cx=\"{}\" cy=\"{}\" r=\"2\" fill=\"{colour}\"/>\n",
                num(x),
                num(y)
            ));
        }
    }
    draw_axes(&mut out, &frame, &x_axis, &y_axis);
    draw_titles(&mut out, &frame, p.title, p.x_label, p.y_label);
    if legend {
        draw_legend(&mut out, frame.left + frame.w + 16.0, frame.top + 8.0, p.series);
    }
    out.push_str("</svg>\n");
    out
}

fn series_style(k: usize) -> (&'static str, &'static str) {
    let dash = if k >= PALETTE.len() { " stroke-dasharray=\"6 3\"" } else { "" };
    (PALETTE[k % PALETTE.len()], dash)
}

/// Path data for the runs of kept points (a point that is not kept breaks
/// the line), plus the pixel positions of runs that are a single point.
fn polylines(
    points: &[(f64, f64)],
    keep: impl Fn(&(f64, f64)) -> bool,
    pixel: impl Fn((f64, f64)) -> (f64, f64),
) -> (String, Vec<(f64, f64)>) {
    let mut d = String::new();
    let mut dots = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut flush = |run: &mut Vec<(f64, f64)>| {
        match run.len() {
            0 => {}
            1 => dots.push(run[0]),
            _ => d.push_str(&path_data(run)),
        }
        run.clear();
    };
    for pt in points {
        if keep(pt) {
            run.push(pixel(*pt));
        } else {
            flush(&mut run);
        }
    }
    flush(&mut run);
    (d, dots)
}

fn draw_legend(out: &mut String, x: f64, y: f64, series: &[Series]) {
    for (k, s) in series.iter().enumerate() {
        let (colour, dash) = series_style(k);
        let row = y + 18.0 * k as f64;
        out.push_str(&format!(
            "<path d=\"M{} {}h22\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>\n",
            num(x),
            num(row)
        ));
        out.push_str(&text(x + 28.0, row + 4.0, "start", "", &escape(s.label)));
    }
}

// -------------------------------------------------------------- heat maps --

/// Draws a heat map (viridis cells, colour bar, contour lines) as a
/// standalone SVG document.
pub fn heat_map_svg(h: &HeatMap) -> String {
    let cells = h.nx.saturating_mul(h.ny);
    let values = &h.values[..cells.min(h.values.len())];
    let value = |i: usize, j: usize| values.get(j * h.nx + i).copied().unwrap_or(f64::NAN);
    let z = finite_range(values.iter().copied());

    let x_axis = linear_axis(Some(cell_extent(h.x_range, h.nx)), false);
    let y_axis = linear_axis(Some(cell_extent(h.y_range, h.ny)), false);
    let (z_min, z_max) = match z {
        Some((lo, hi)) => (fmt_value(lo), fmt_value(hi)),
        None => ("no data".to_string(), String::new()),
    };
    let left = y_axis_margin(&y_axis);
    let bar_labels = z_min.chars().count().max(z_max.chars().count()) as f64;
    let width = (left + HEAT_AREA + 18.0 + 14.0 + 8.0 + CHAR_W * bar_labels + 12.0).ceil();
    let height = TOP + HEAT_AREA + BOTTOM;
    let frame = Frame {
        left,
        top: TOP,
        w: HEAT_AREA,
        h: HEAT_AREA,
    };

    let mut out = svg_open(width, height);
    draw_cells(&mut out, &frame, h.nx, h.ny, &value, z);
    let levels = contour_levels(z, h.contours);
    let (cw, ch) = (frame.w / h.nx.max(1) as f64, frame.h / h.ny.max(1) as f64);
    let grid_to_px = |(gx, gy): (f64, f64)| (frame.left + (gx + 0.5) * cw, frame.top + (h.ny as f64 - 0.5 - gy) * ch);
    for &(level, t) in &levels {
        let mut d = String::new();
        for chain in chain_segments(&contour_segments(values, h.nx, h.ny, level)) {
            let px: Vec<_> = chain.into_iter().map(grid_to_px).collect();
            d.push_str(&path_data(&px));
        }
        if !d.is_empty() {
            out.push_str(&format!(
                "<path d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1\"/>\n",
                contrast(t)
            ));
        }
    }
    draw_axes(&mut out, &frame, &x_axis, &y_axis);
    draw_colour_bar(&mut out, &frame, z.is_some(), &levels, (&z_min, &z_max));
    draw_titles(&mut out, &frame, h.title, h.x_label, h.y_label);
    out.push_str("</svg>\n");
    out
}

/// The drawn extent of `n` cells centred on `linspace(range.0, range.1, n)`.
fn cell_extent((a, b): (f64, f64), n: usize) -> (f64, f64) {
    if n <= 1 || !(a.is_finite() && b.is_finite()) {
        return (a, b);
    }
    let d = (b - a) / (n - 1) as f64;
    (a - d / 2.0, b + d / 2.0)
}

/// Contour levels evenly spaced strictly inside `(min, max)`, each with its
/// position in the colour map.
fn contour_levels(z: Option<(f64, f64)>, count: usize) -> Vec<(f64, f64)> {
    let Some((lo, hi)) = z.filter(|(lo, hi)| hi > lo) else {
        return Vec::new();
    };
    (1..=count)
        .map(|k| {
            let t = k as f64 / (count + 1) as f64;
            (lo + t * (hi - lo), t)
        })
        .collect()
}

/// Cells grouped into one `<path>` per colour (compact and deterministic).
fn draw_cells(out: &mut String, f: &Frame, nx: usize, ny: usize, value: &dyn Fn(usize, usize) -> f64, z: Option<(f64, f64)>) {
    let (cw, ch) = (f.w / nx.max(1) as f64, f.h / ny.max(1) as f64);
    let mut by_colour: BTreeMap<String, String> = BTreeMap::new();
    let mut hatch = String::new();
    for j in 0..ny {
        for i in 0..nx {
            let (x, y) = (f.left + i as f64 * cw, f.top + (ny - 1 - j) as f64 * ch);
            let cell = format!("M{} {}h{}v{}h-{}z", num(x), num(y), num(cw), num(ch), num(cw));
            let v = value(i, j);
            let colour = match z {
                Some((lo, hi)) if v.is_finite() => viridis(if hi > lo { (v - lo) / (hi - lo) } else { 0.5 }),
                _ => {
                    hatch.push_str(&format!("M{} {}l{} {}", num(x), num(y + ch), num(cw), num(-ch)));
                    MISSING_FILL.to_string()
                }
            };
            by_colour.entry(colour).or_default().push_str(&cell);
        }
    }
    out.push_str("<g shape-rendering=\"crispEdges\">\n");
    for (colour, d) in &by_colour {
        out.push_str(&format!("<path d=\"{d}\" fill=\"{colour}\"/>\n"));
    }
    out.push_str("</g>\n");
    if !hatch.is_empty() {
        out.push_str(&format!("<path d=\"{hatch}\" stroke=\"{MISSING_HATCH}\" stroke-width=\"1\"/>\n"));
    }
}

/// A vertical colour bar right of the plot, with min/max labels and a mark
/// at each contour level.
fn draw_colour_bar(out: &mut String, f: &Frame, has_data: bool, levels: &[(f64, f64)], (min, max): (&str, &str)) {
    const STRIPS: usize = 64;
    let (x, w) = (f.left + f.w + 18.0, 14.0);
    let strip = f.h / STRIPS as f64;
    out.push_str("<g shape-rendering=\"crispEdges\">\n");
    for k in 0..STRIPS {
        let fill = if has_data {
            viridis((k as f64 + 0.5) / STRIPS as f64)
        } else {
            MISSING_FILL.to_string()
        };
        let y = f.top + f.h - (k + 1) as f64 * strip;
        out.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"/>\n",
            num(x),
            num(y),
            num(w),
            num(strip)
        ));
    }
    out.push_str("</g>\n");
    for &(_, t) in levels {
        let y = f.top + (1.0 - t) * f.h;
        out.push_str(&format!(
            "<path d=\"M{} {}h{}\" stroke=\"{}\" stroke-width=\"1\"/>\n",
            num(x),
            num(y),
            num(w),
            contrast(t)
        ));
    }
    out.push_str(&format!(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"black\"/>\n",
        num(x),
        num(f.top),
        num(w),
        num(f.h)
    ));
    let label_x = x + w + 6.0;
    out.push_str(&text(label_x, f.top + 9.0, "start", "", &escape(max)));
    out.push_str(&text(label_x, f.top + f.h, "start", "", &escape(min)));
}

/// Viridis colour for `t` in [0, 1] (clamped), as `#rrggbb`.
fn viridis(t: f64) -> String {
    let s = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let k = (s.floor() as usize).min(VIRIDIS.len() - 2);
    let u = s - k as f64;
    let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + u * (f64::from(q) - f64::from(p))).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever stands out on viridis at `t` (a contour at
/// level `t` runs over cells of about that colour).
fn contrast(t: f64) -> &'static str {
    if t < 0.55 {
        "white"
    } else {
        "black"
    }
}

// -------------------------------------------------------------- contours --

/// Marching squares: the segments where the bilinear-ish surface through
/// `values` (`ny` rows of `nx`) crosses `level`, in grid coordinates
/// (`x` in `0..=nx-1`, `y` in `0..=ny-1`), interpolating linearly along cell
/// edges. Cells with a non-finite corner are skipped; saddle cells are
/// resolved by the mean of their corners. A point on an edge shared by two
/// cells is computed identically (bit for bit) by both, so segments chain.
pub fn contour_segments(values: &[f64], nx: usize, ny: usize, level: f64) -> Vec<((f64, f64), (f64, f64))> {
    let mut segs = Vec::new();
    if nx < 2 || ny < 2 || !level.is_finite() {
        return segs;
    }
    let at = |(i, j): (usize, usize)| values.get(j * nx + i).copied().unwrap_or(f64::NAN);
    for j in 0..ny - 1 {
        for i in 0..nx - 1 {
            // Corners counter-clockwise; edge k joins corner k and k + 1.
            let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let v = c.map(at);
            if v.iter().any(|x| !x.is_finite()) {
                continue;
            }
            let above = v.map(|x| x >= level);
            let cross: [Option<(f64, f64)>; 4] = std::array::from_fn(|k| {
                let l = (k + 1) % 4;
                (above[k] != above[l]).then(|| edge_point(c[k], v[k], c[l], v[l], level))
            });
            let crossed: Vec<(f64, f64)> = cross.iter().flatten().copied().collect();
            match crossed.len() {
                2 => segs.push((crossed[0], crossed[1])),
                4 => {
                    let e = crossed;
                    let centre_above = v.iter().sum::<f64>() / 4.0 >= level;
                    if centre_above == above[0] {
                        // Corners 0 and 2 connect through the centre: cut off 1 and 3.
                        segs.push((e[0], e[1]));
                        segs.push((e[2], e[3]));
                    } else {
                        segs.push((e[3], e[0]));
                        segs.push((e[1], e[2]));
                    }
                }
                _ => {}
            }
        }
    }
    segs
}

/// Where `level` crosses the edge from corner `a` to corner `b`, always
/// interpolated from the smaller corner so neighbouring cells agree exactly.
fn edge_point(a: (usize, usize), va: f64, b: (usize, usize), vb: f64, level: f64) -> (f64, f64) {
    let ((a, va), (b, vb)) = if a <= b { ((a, va), (b, vb)) } else { ((b, vb), (a, va)) };
    let t = (level - va) / (vb - va);
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.5 };
    let lerp = |p: usize, q: usize| p as f64 + t * (q as f64 - p as f64);
    (lerp(a.0, b.0), lerp(a.1, b.1))
}

/// Joins segments that share end points into polylines (a closed loop ends
/// where it starts), in a deterministic order.
fn chain_segments(segs: &[Segment]) -> Vec<Vec<(f64, f64)>> {
    type Key = (u64, u64);
    let key = |p: (f64, f64)| -> Key { (p.0.to_bits(), p.1.to_bits()) };
    let mut touching: HashMap<Key, Vec<usize>> = HashMap::new();
    for (k, &(a, b)) in segs.iter().enumerate() {
        touching.entry(key(a)).or_default().push(k);
        touching.entry(key(b)).or_default().push(k);
    }
    let mut used = vec![false; segs.len()];
    let walk = |mut p: (f64, f64), used: &mut Vec<bool>| {
        let mut path = Vec::new();
        while let Some(&k) = touching[&key(p)].iter().find(|&&k| !used[k]) {
            used[k] = true;
            let (a, b) = segs[k];
            p = if key(a) == key(p) { b } else { a };
            path.push(p);
        }
        path
    };
    let mut chains = Vec::new();
    for start in 0..segs.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let (a, b) = segs[start];
        let forward = walk(b, &mut used);
        let backward = walk(a, &mut used);
        let mut chain: Vec<_> = backward.into_iter().rev().collect();
        chain.extend([a, b]);
        chain.extend(forward);
        chains.push(chain);
    }
    chains
}

// --------------------------------------------------------- side by side --

/// Puts several standalone SVG figures in one row under a common title.
/// Each panel keeps its own size (read from its root `width`/`height`).
pub fn side_by_side_svg(panels: &[String], title: &str) -> String {
    const GAP: f64 = 12.0;
    let title_h = if title.is_empty() { 0.0 } else { 34.0 };
    let sizes: Vec<(f64, f64)> = panels.iter().map(|p| root_size(p).unwrap_or((LINE_W, LINE_H))).collect();
    let width = sizes.iter().map(|s| s.0).sum::<f64>() + GAP * panels.len().saturating_sub(1) as f64;
    let height = title_h + sizes.iter().map(|s| s.1).fold(0.0, f64::max);
    let (width, height) = (width.max(1.0).ceil(), height.max(1.0).ceil());

    let mut out = svg_open(width, height);
    if !title.is_empty() {
        out.push_str(&text(width / 2.0, 23.0, "middle", " font-size=\"16\"", &escape(title)));
    }
    let mut x = 0.0;
    for (panel, (w, _)) in panels.iter().zip(&sizes) {
        out.push_str(&nest_svg(panel, x, title_h));
        x += w + GAP;
    }
    out.push_str("</svg>\n");
    out
}

/// The panel with any XML prolog dropped and `x`/`y` added to its root.
fn nest_svg(svg: &str, x: f64, y: f64) -> String {
    let Some(start) = svg.find("<svg") else { return String::new() };
    let body = &svg[start + "<svg".len()..];
    format!("<svg x=\"{}\" y=\"{}\"{}\n", num(x), num(y), body.trim_end())
}

/// `width` and `height` of the root `<svg>` element.
fn root_size(svg: &str) -> Option<(f64, f64)> {
    let start = svg.find("<svg")?;
    let tag = &svg[start..start + svg[start..].find('>')?];
    let attr = |name: &str| -> Option<f64> {
        let pat = format!(" {name}=\"");
        let rest = &tag[tag.find(&pat)? + pat.len()..];
        rest[..rest.find('"')?]
            .trim_end_matches("px")
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v > 0.0)
    };
    Some((attr("width")?, attr("height")?))
}

// ------------------------------------------------------------------ axes --

/// An axis: the value range mapped onto the plot area, and its ticks.
struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<Tick>,
    /// Unlabelled minor ticks (log axes: 2..9 times each power of ten).
    minor: Vec<f64>,
}

struct Tick {
    value: f64,
    /// SVG markup (already escaped; log axes use a superscript `<tspan>`).
    label: String,
    /// Approximate width in characters, for margins.
    chars: f64,
}

impl Axis {
    /// Position of `v` along the axis, 0 at `lo` and 1 at `hi`.
    fn frac(&self, v: f64) -> f64 {
        if self.log {
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }
}

/// Min and max of the finite values, if any.
fn finite_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// Makes a range usable for an axis: finite, not absurdly large, and not
/// empty (a single value gets some room around it).
fn widen((a, b): (f64, f64)) -> (f64, f64) {
    const LIMIT: f64 = 1e300;
    let (a, b) = (a.clamp(-LIMIT, LIMIT), b.clamp(-LIMIT, LIMIT));
    let scale = a.abs().max(b.abs());
    if (b - a).abs() > scale * 1e-9 {
        return (a, b);
    }
    let d = if scale == 0.0 { 1.0 } else { scale * 0.1 };
    (a.min(b) - d, a.max(b) + d)
}

/// The "nice number" nearest to `x > 0`: 1, 2, 5 or 10 times a power of ten
/// (Heckbert, Graphics Gems, 1990).
fn nice_num(x: f64) -> f64 {
    let p = 10f64.powf(x.log10().floor());
    let nice = match x / p {
        f if f < 1.5 => 1.0,
        f if f < 3.0 => 2.0,
        f if f < 7.0 => 5.0,
        _ => 10.0,
    };
    nice * p
}

/// A nice tick spacing giving about `n` ticks over `lo..hi` (`lo < hi`).
/// (Heckbert also rounds the range up to a nice number first; that gives as
/// few as three ticks, e.g. -1, 0, 1 for -1.03..1.03.)
fn nice_step(lo: f64, hi: f64, n: usize) -> f64 {
    nice_num((hi - lo) / (n.max(2) - 1) as f64)
}

/// A linear axis over `range` (`None`: 0..1). With `expand`, the ends are
/// pushed out to whole ticks; otherwise the range is kept exactly (it may be
/// reversed) and only ticks inside it are drawn.
fn linear_axis(range: Option<(f64, f64)>, expand: bool) -> Axis {
    let (a, b) = widen(range.unwrap_or((0.0, 1.0)));
    let (lo, hi) = (a.min(b), a.max(b));
    let step = nice_step(lo, hi, TARGET_TICKS);
    let (a, b) = if expand {
        ((lo / step + 1e-9).floor() * step, (hi / step - 1e-9).ceil() * step)
    } else {
        (a, b)
    };
    let first = ((a.min(b) / step) - 1e-9).ceil();
    let last = ((a.max(b) / step) + 1e-9).floor();
    let ticks = (0..)
        .map(|k| (first + k as f64) * step)
        .take_while(|&v| v <= last * step + step * 1e-9)
        .take(50)
        .map(|v| {
            let label = fmt_tick(v, step);
            Tick {
                value: v,
                chars: label.chars().count() as f64,
                label,
            }
        })
        .collect();
    Axis {
        lo: a,
        hi: b,
        log: false,
        ticks,
        minor: Vec::new(),
    }
}

/// A log axis from the power of ten below the smallest value to the power
/// above the largest (`None`: 1..10); at most about eight labelled powers.
fn log_axis(range: Option<(f64, f64)>) -> Axis {
    let (lo, hi) = range.unwrap_or((1.0, 10.0));
    let e_lo = lo.log10().floor().clamp(-300.0, 299.0) as i32;
    let e_hi = (hi.log10().ceil().clamp(-300.0, 300.0) as i32).max(e_lo + 1);
    let every = (e_hi - e_lo + 7) / 8;
    let ticks = (e_lo..=e_hi)
        .step_by(every as usize)
        .map(|e| {
            let (label, chars) = match e {
                0 => ("1".to_string(), 1.0),
                1 => ("10".to_string(), 2.0),
                _ => (
                    format!("10<tspan dy=\"-5\" font-size=\"9\">{e}</tspan>"),
                    2.0 + 0.75 * e.to_string().len() as f64,
                ),
            };
            Tick {
                value: 10f64.powi(e),
                label,
                chars,
            }
        })
        .collect();
    let minor = if every == 1 && e_hi - e_lo <= 6 {
        (e_lo..e_hi)
            .flat_map(|e| (2..10).map(move |m| f64::from(m) * 10f64.powi(e)))
            .collect()
    } else {
        Vec::new()
    };
    Axis {
        lo: 10f64.powi(e_lo),
        hi: 10f64.powi(e_hi),
        log: true,
        ticks,
        minor,
    }
}

/// A tick label with as many decimals as the spacing needs.
fn fmt_tick(v: f64, step: f64) -> String {
    let v = if v.abs() < step * 1e-6 { 0.0 } else { v };
    if v.abs().max(step) >= 1e6 || step < 1e-4 {
        return sci(v, step);
    }
    let decimals = (-step.log10() - 1e-9).ceil().max(0.0) as usize;
    format!("{v:.decimals$}")
}

/// Scientific notation with the digits the spacing `step` needs: `2.5e-5`.
fn sci(v: f64, step: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let digits = (v.abs().log10().floor() - step.log10().floor()).clamp(0.0, 6.0) as usize;
    trim_mantissa(&format!("{v:.digits$e}"))
}

/// A value for a label, to four significant digits: `0.1235`, `1.235e-5`.
fn fmt_value(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let mag = v.abs().log10().floor();
    if (-3.0..5.0).contains(&mag) {
        let decimals = (3.0 - mag) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        trim_mantissa(&format!("{v:.3e}"))
    }
}

/// `1.500e6` → `1.5e6`.
fn trim_mantissa(s: &str) -> String {
    match s.split_once('e') {
        Some((m, e)) if m.contains('.') => format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.')),
        _ => s.to_string(),
    }
}

/// Left margin: room for the y label and the widest y tick label.
fn y_axis_margin(y: &Axis) -> f64 {
    let chars = y.ticks.iter().map(|t| t.chars).fold(1.0, f64::max);
    (30.0 + 12.0 + CHAR_W * chars).ceil()
}

/// Light grid lines at the ticks (line plots).
fn draw_grid(out: &mut String, f: &Frame, x: &Axis, y: &Axis) {
    let mut d = String::new();
    for t in &x.ticks {
        d.push_str(&format!("M{} {}v{}", num(f.x(x, t.value)), num(f.top), num(f.h)));
    }
    for t in &y.ticks {
        d.push_str(&format!("M{} {}h{}", num(f.left), num(f.y(y, t.value)), num(f.w)));
    }
    out.push_str(&format!("<path d=\"{d}\" stroke=\"#e4e4e4\" stroke-width=\"1\"/>\n"));
}

/// Frame, outward tick marks and tick labels.
fn draw_axes(out: &mut String, f: &Frame, x: &Axis, y: &Axis) {
    let mut d = String::new();
    let mut labels = String::new();
    for t in &x.ticks {
        let px = f.x(x, t.value);
        d.push_str(&format!("M{} {}v5", num(px), num(f.top + f.h)));
        labels.push_str(&text(px, f.top + f.h + 18.0, "middle", "", &t.label));
    }
    for t in &y.ticks {
        let py = f.y(y, t.value);
        d.push_str(&format!("M{} {}h-5", num(f.left), num(py)));
        labels.push_str(&text(f.left - 8.0, py + 4.0, "end", "", &t.label));
    }
    for &m in &y.minor {
        d.push_str(&format!("M{} {}h-3", num(f.left), num(f.y(y, m))));
    }
    out.push_str(&format!("<path d=\"{d}\" stroke=\"black\" stroke-width=\"1\"/>\n"));
    out.push_str(&format!(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"black\"/>\n",
        num(f.left),
        num(f.top),
        num(f.w),
        num(f.h)
    ));
    out.push_str(&labels);
}

/// Title above the plot area, x label below it, y label rotated at the left.
fn draw_titles(out: &mut String, f: &Frame, title: &str, x_label: &str, y_label: &str) {
    let cx = f.left + f.w / 2.0;
    out.push_str(&text(cx, 24.0, "middle", " font-size=\"15\"", &escape(title)));
    out.push_str(&text(cx, f.top + f.h + 40.0, "middle", "", &escape(x_label)));
    let cy = f.top + f.h / 2.0;
    out.push_str(&format!(
        "<text transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
        num(cy),
        escape(y_label)
    ));
}

// ----------------------------------------------------------- SVG pieces --

fn svg_open(w: f64, h: f64) -> String {
    let (w, h) = (num(w), num(h));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    )
}

/// A `<text>` element; `markup` must already be escaped.
fn text(x: f64, y: f64, anchor: &str, extra: &str, markup: &str) -> String {
    if markup.is_empty() {
        return String::new();
    }
    format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\"{extra}>{markup}</text>\n",
        num(x),
        num(y)
    )
}

/// `M x y L x y x y ...` for a polyline in pixels.
fn path_data(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (k, &(x, y)) in points.iter().enumerate() {
        d.push_str(match k {
            0 => "M",
            1 => "L",
            _ => " ",
        });
        d.push_str(&format!("{} {}", num(x), num(y)));
    }
    d
}

/// A coordinate with at most two decimals and no trailing zeros; anything
/// non-finite becomes `0` so the SVG text never contains `NaN` or `inf`.
fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let s = format!("{:.2}", v.clamp(-1e9, 1e9));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Escapes text for SVG element content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

// ------------------------------------------------------------------- PNG --

/// Grey level of separators and empty grid slots.
const PAD_GREY: u8 = 255;
/// Grey level drawn for NaN pixels.
const NAN_GREY: u8 = 128;

/// Tiles grayscale images (`width`×`height` values in [0, 1] each, row
/// major, clamped; NaN is mid-grey) into an 8-bit grayscale PNG: `cols` tiles
/// per row (fewer if there are fewer images), `pad` white pixels between
/// tiles, each source pixel enlarged to `scale`×`scale`.
pub fn image_grid_png(images: &[&[f32]], width: usize, height: usize, cols: usize, pad: usize, scale: usize) -> crate::Result<Vec<u8>> {
    if images.is_empty() || width == 0 || height == 0 || cols == 0 || scale == 0 {
        return Err("image grid: need at least one image and non-zero width, height, cols and scale".into());
    }
    if let Some(k) = images.iter().position(|im| im.len() != width * height) {
        return Err(format!("image grid: image {k} has {} values, expected {width}×{height}", images[k].len()).into());
    }
    let cols = cols.min(images.len());
    let rows = images.len().div_ceil(cols);
    let too_big = || -> crate::Error { "image grid: image too large".into() };
    let span = |n: usize, tile: usize| -> Option<usize> { n.checked_mul(tile.checked_mul(scale)?)?.checked_add((n - 1).checked_mul(pad)?) };
    let out_w = span(cols, width).ok_or_else(too_big)?;
    let out_h = span(rows, height).ok_or_else(too_big)?;
    let mut buf = vec![PAD_GREY; out_w.checked_mul(out_h).ok_or_else(too_big)?];

    let (tile_w, tile_h) = (width * scale, height * scale);
    for (k, im) in images.iter().enumerate() {
        let (x0, y0) = ((k % cols) * (tile_w + pad), (k / cols) * (tile_h + pad));
        for y in 0..tile_h {
            let src = &im[(y / scale) * width..][..width];
            let dst = &mut buf[(y0 + y) * out_w + x0..][..tile_w];
            for (x, d) in dst.iter_mut().enumerate() {
                *d = grey(src[x / scale]);
            }
        }
    }

    let (w32, h32) = (
        u32::try_from(out_w).map_err(|_| too_big())?,
        u32::try_from(out_h).map_err(|_| too_big())?,
    );
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, w32, h32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&buf)?;
    writer.finish()?;
    Ok(png_bytes)
}

fn grey(v: f32) -> u8 {
    if v.is_nan() {
        NAN_GREY
    } else {
        (v.clamp(0.0, 1.0) * 255.0).round() as u8
    }
}

// ---------------------------------------------------------------- base64 --

/// Standard base64 (RFC 4648 alphabet, `=` padding), for `data:` URIs.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let byte = |k: usize| u32::from(chunk.get(k).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that tags nest properly (ignoring `<?..?>`/`<!..>`).
    fn assert_balanced(svg: &str) {
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let end = start + rest[start..].find('>').expect("unterminated tag");
            let tag = &rest[start + 1..end];
            rest = &rest[end + 1..];
            if tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/') {
                continue;
            }
            let name = tag.trim_start_matches('/').split_whitespace().next().expect("empty tag");
            if tag.starts_with('/') {
                assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
            } else {
                stack.push(name);
            }
        }
        assert!(stack.is_empty(), "unclosed: {stack:?}");
        assert_eq!(svg.matches("<svg").count(), svg.matches("</svg>").count());
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    }

    fn assert_clean(svg: &str) {
        assert!(!svg.contains("NaN"), "NaN in SVG");
        assert!(!svg.to_lowercase().contains("inf"), "inf in SVG");
        assert_balanced(svg);
    }

    #[test]
    fn circle_contour_is_a_closed_loop_at_the_right_radius() {
        let (nx, ny, (cx, cy)) = (41, 37, (20.3, 17.6));
        let values: Vec<f64> = (0..ny)
            .flat_map(|j| (0..nx).map(move |i| (i as f64 - cx).powi(2) + (j as f64 - cy).powi(2)))
            .collect();
        let level = 100.0;
        let segs = contour_segments(&values, nx, ny, level);
        assert!(segs.len() > 40, "{} segments", segs.len());
        let ends: Vec<(f64, f64)> = segs.iter().flat_map(|&(a, b)| [a, b]).collect();
        for &(x, y) in &ends {
            let r = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
            // Linear interpolation of a quadratic over a unit edge is off by
            // at most 1/4 in value, i.e. about 1/(8r) in radius.
            assert!((r - level.sqrt()).abs() < 0.05, "endpoint ({x}, {y}) at radius {r}");
            let shared = ends.iter().filter(|&&(u, v)| (u - x).abs() < 1e-9 && (v - y).abs() < 1e-9).count();
            assert_eq!(shared, 2, "endpoint ({x}, {y}) shared by {shared} segments");
        }
        let chains = chain_segments(&segs);
        assert_eq!(chains.len(), 1);
        assert_eq!(chains[0].first(), chains[0].last());
        assert_eq!(chains[0].len(), segs.len() + 1);
    }

    #[test]
    fn linear_ramp_gives_straight_contours() {
        let (nx, ny) = (6, 4);
        let values: Vec<f64> = (0..ny).flat_map(|_| (0..nx).map(|i| 0.5 * i as f64)).collect();
        let segs = contour_segments(&values, nx, ny, 1.15); // x = 2.3
        assert_eq!(segs.len(), ny - 1);
        let mut ys = Vec::new();
        for &((x0, y0), (x1, y1)) in &segs {
            assert!((x0 - 2.3).abs() < 1e-12 && (x1 - 2.3).abs() < 1e-12, "segment at x {x0}, {x1}");
            assert!((y0 - y1).abs() == 1.0);
            ys.push(y0.min(y1));
        }
        ys.sort_by(f64::total_cmp);
        assert_eq!(ys, [0.0, 1.0, 2.0]);
        assert!(contour_segments(&values, nx, ny, 10.0).is_empty());
        assert!(contour_segments(&values, nx, ny, f64::NAN).is_empty());
    }

    #[test]
    fn contours_skip_cells_with_missing_values() {
        let mut values: Vec<f64> = (0..9).map(|k| (k % 3) as f64).collect();
        values[4] = f64::NAN; // the centre touches all four cells
        assert!(contour_segments(&values, 3, 3, 0.5).is_empty());
        assert!(contour_segments(&values[..5], 3, 3, 0.5).is_empty()); // short slice
    }

    #[test]
    fn nice_ticks() {
        let labels = |a: &Axis| a.ticks.iter().map(|t| t.label.clone()).collect::<Vec<_>>();
        let a = linear_axis(Some((0.03, 0.97)), true);
        assert_eq!((a.lo, a.hi), (0.0, 1.0));
        assert_eq!(labels(&a), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        assert_eq!(labels(&linear_axis(Some((1.0, 100.0)), true)), ["0", "20", "40", "60", "80", "100"]);
        assert_eq!(labels(&linear_axis(Some((-1.3, 2.1)), false)), ["-1", "0", "1", "2"]);
        assert_eq!(
            labels(&linear_axis(Some((-1.03, 1.03)), false)),
            ["-1.0", "-0.5", "0.0", "0.5", "1.0"]
        );
        assert_eq!(
            labels(&linear_axis(Some((0.05, 2.4)), true)),
            ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"]
        );
        assert_eq!(labels(&linear_axis(Some((2.0, 2.0)), true)), ["1.8", "1.9", "2.0", "2.1", "2.2"]);
        assert_eq!(labels(&linear_axis(Some((0.0, 3e-5)), true)), ["0", "1e-5", "2e-5", "3e-5"]);
        let log = log_axis(Some((0.03, 2.5)));
        assert!((log.lo - 0.01).abs() < 1e-15 && log.hi == 10.0 && log.ticks.len() == 4);
        assert_eq!(log.ticks[2].label, "1");
    }

    #[test]
    fn number_formatting() {
        assert_eq!(num(70.0), "70");
        assert_eq!(num(1.005_1), "1.01");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(fmt_value(0.123_456), "0.1235");
        assert_eq!(fmt_value(2.0), "2");
        assert_eq!(fmt_value(-1.5e-6), "-1.5e-6");
        assert_eq!(escape("a<b & c>d"), "a&lt;b &amp; c&gt;d");
    }

    #[test]
    fn svgs_stay_clean_with_non_finite_data() {
        let a = [
            (0.0, 1.0),
            (1.0, f64::NAN),
            (2.0, 0.5),
            (3.0, 0.25),
            (f64::INFINITY, 0.1),
            (5.0, -0.1),
        ];
        let b = [(f64::NAN, f64::NAN), (1.0, f64::NEG_INFINITY)];
        let series = [
            Series {
                label: "train <a&b>",
                points: &a,
            },
            Series {
                label: "all bad",
                points: &b,
            },
        ];
        for log_y in [false, true] {
            let p = LinePlot {
                title: "loss & <co>",
                x_label: "epoch",
                y_label: "loss",
                series: &series,
                log_y,
            };
            let svg = line_plot_svg(&p);
            assert_clean(&svg);
            assert!(svg.contains("train &lt;a&amp;b&gt;") && svg.contains("loss &amp; &lt;co&gt;"));
            // (0,1) alone, then (2,.5)-(3,.25) as a line, then (5,-.1) unless log.
            assert_eq!(svg.matches("<circle").count(), if log_y { 1 } else { 2 });
        }
        let empty = LinePlot {
            title: "",
            x_label: "",
            y_label: "",
            series: &[],
            log_y: true,
        };
        assert_clean(&line_plot_svg(&empty));

        let mut values: Vec<f64> = (0..20).map(|k| f64::from(k) * 0.1).collect();
        values[3] = f64::NAN;
        values[7] = f64::INFINITY;
        values[11] = f64::NEG_INFINITY;
        let heat = |values: &[f64], nx, ny| {
            heat_map_svg(&HeatMap {
                title: "t",
                x_label: "x",
                y_label: "y",
                x_range: (-1.0, 1.0),
                y_range: (0.0, 0.0),
                values,
                nx,
                ny,
                contours: 4,
            })
        };
        let panels = vec![
            heat(&values, 5, 4),
            heat(&[3.0; 12], 4, 3),
            heat(&[f64::NAN; 4], 2, 2),
            heat(&values[..5], 5, 4),
            heat(&[], 0, 0),
            heat(&[1.0], 1, 1),
        ];
        for svg in &panels {
            assert_clean(svg);
        }
        assert!(panels[0].contains(MISSING_HATCH) && panels[0].contains("stroke=\"white\""));
        let both = side_by_side_svg(&panels, "left & right");
        assert_clean(&both);
        assert_eq!(both.matches("<svg").count(), 7);
    }

    #[test]
    fn side_by_side_sizes_and_places_panels() {
        let a = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"50\" viewBox=\"0 0 100 50\"></svg>".to_string();
        let b = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"80\"></svg>\n".to_string();
        let svg = side_by_side_svg(&[a, b], "");
        assert!(svg.contains("width=\"312\" height=\"80\""), "{svg}");
        assert!(svg.contains("<svg x=\"112\" y=\"0\" xmlns"));
        assert!(!svg.contains("<?xml"));
        assert_clean(&svg);
    }

    #[test]
    fn image_grid_decodes_with_expected_pixels() {
        let mut first = vec![0.0f32; 28 * 28];
        first[5 * 28 + 3] = 1.0; // (x 3, y 5)
        let second = vec![0.5f32; 28 * 28];
        let mut third = vec![2.0f32; 28 * 28];
        third[0] = f32::NAN;
        third[1] = -1.0;
        let bytes = image_grid_png(&[&first, &second, &third], 28, 28, 2, 1, 2).unwrap();

        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (113, 113));
        assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Grayscale, png::BitDepth::Eight));
        let px = |x: usize, y: usize| buf[y * info.line_size + x];
        assert_eq!([px(6, 10), px(7, 11), px(8, 10), px(0, 0)], [255, 255, 0, 0]);
        assert_eq!(px(56, 3), PAD_GREY); // separator column
        assert_eq!([px(57, 0), px(112, 55)], [128, 128]); // 0.5 rounds to 128
        assert_eq!([px(0, 57), px(1, 58), px(2, 57), px(4, 60)], [NAN_GREY, NAN_GREY, 0, 255]);
        assert_eq!(px(90, 90), PAD_GREY); // empty slot

        assert!(image_grid_png(&[], 28, 28, 2, 1, 2).is_err());
        assert!(image_grid_png(&[&first[..10]], 28, 28, 2, 1, 2).is_err());
        assert!(image_grid_png(&[&first], 28, 28, 0, 1, 2).is_err());
    }

    #[test]
    fn base64_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }
}
