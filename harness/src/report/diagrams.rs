//! Figures 3–7: the computation graphs of Ex 2.1–2.5 and Ex 3.2, drawn as
//! SVG (nodes in columns, arrows along the forward pass; the reverse
//! schedule runs the arrows backwards).

/// A node: label, column, row (rows may be fractional).
type Node = (&'static str, f64, f64);

/// One graph: its figure number, caption and structure.
pub struct Graph {
    /// Figure number in the assignment.
    pub figure: u32,
    /// File name under `graphs/`.
    pub file: &'static str,
    /// Caption.
    pub caption: &'static str,
    nodes: Vec<Node>,
    edges: Vec<(usize, usize)>,
}

/// The five graphs of Ex 2 and the autoencoder's of Ex 3.2.
#[must_use]
pub fn all() -> Vec<Graph> {
    vec![
        Graph {
            figure: 3,
            file: "fig3_graph_ex21.svg",
            caption: "Figure 3: Ex 2.1, E = Σ_i (y_i − Σ_j W_ij x_j)² (eqs. 17–19)",
            nodes: vec![
                ("W", 0.0, 0.0),
                ("x", 0.0, 1.0),
                ("f1 = Wx", 1.0, 0.5),
                ("y", 1.0, 1.5),
                ("f2 = y − f1", 2.0, 1.0),
                ("f3 = Σ f2²  (E)", 3.0, 1.0),
            ],
            edges: vec![(0, 2), (1, 2), (2, 4), (3, 4), (4, 5)],
        },
        Graph {
            figure: 4,
            file: "fig4_graph_ex22.svg",
            caption: "Figure 4: Ex 2.2, E = Σ_i (y_i − φ(Σ_j W_ij x_j))² (eqs. 30–33)",
            nodes: vec![
                ("W", 0.0, 0.0),
                ("x", 0.0, 1.0),
                ("f1 = Wx", 1.0, 0.5),
                ("f2 = φ(f1)", 2.0, 0.5),
                ("y", 2.0, 1.5),
                ("f3 = y − f2", 3.0, 1.0),
                ("f4 = Σ f3²  (E)", 4.0, 1.0),
            ],
            edges: vec![(0, 2), (1, 2), (2, 3), (3, 5), (4, 5), (5, 6)],
        },
        Graph {
            figure: 5,
            file: "fig5_graph_ex23.svg",
            caption: "Figure 5: Ex 2.3, two layers W1, W2 (eqs. 46–51); Ex 2.4 adds the index n and f7 = Σ_n f6_n",
            nodes: vec![
                ("W1", 0.0, 0.0),
                ("x", 0.0, 1.0),
                ("f1 = W1 x", 1.0, 0.5),
                ("f2 = φ1(f1)", 2.0, 0.5),
                ("W2", 2.0, -0.5),
                ("f3 = W2 f2", 3.0, 0.0),
                ("f4 = φ2(f3)", 4.0, 0.0),
                ("y", 4.0, 1.0),
                ("f5 = y − f4", 5.0, 0.5),
                ("f6 = Σ f5²  (E)", 6.0, 0.5),
            ],
            edges: vec![(0, 2), (1, 2), (2, 3), (3, 5), (4, 5), (5, 6), (6, 8), (7, 8), (8, 9)],
        },
        Graph {
            figure: 6,
            file: "fig6_graph_ex25.svg",
            caption: "Figure 6: Ex 2.5, one shared W feeds f1 and f3: its message sums both paths (eq. 94)",
            nodes: vec![
                ("x", 0.0, 1.0),
                ("W", 0.0, -0.5),
                ("f1 = W x", 1.0, 0.5),
                ("f2 = φ1(f1)", 2.0, 0.5),
                ("f3 = W f2", 3.0, 0.0),
                ("f4 = φ2(f3)", 4.0, 0.0),
                ("y", 4.0, 1.0),
                ("f5 = y − f4", 5.0, 0.5),
                ("f6 = Σ f5²  (E)", 6.0, 0.5),
            ],
            edges: vec![(0, 2), (1, 2), (1, 4), (2, 3), (3, 4), (4, 5), (5, 7), (6, 7), (7, 8)],
        },
        Graph {
            figure: 7,
            file: "fig7_graph_autoencoder.svg",
            caption: "Figure 7: Ex 3.2, the autoencoder f(x) = σ(b2 + W2 φ(b1 + W1 x)) and its error (eqs. 103–110)",
            nodes: vec![
                ("W1", 0.0, 0.0),
                ("x_n", 0.0, 1.0),
                ("f1 = W1 x", 1.0, 0.5),
                ("b1", 1.0, 1.5),
                ("f2 = b1 + f1", 2.0, 1.0),
                ("f3 = φ(f2)", 3.0, 1.0),
                ("W2", 3.0, 0.0),
                ("f4 = W2 f3", 4.0, 0.5),
                ("b2", 4.0, 1.5),
                ("f5 = b2 + f4", 5.0, 1.0),
                ("f6 = σ(f5)", 6.0, 1.0),
                ("f7 = L(x, f6)", 7.0, 1.0),
                ("f8 = (1/N) Σ f7  (E)", 8.0, 1.0),
            ],
            edges: vec![
                (0, 2),
                (1, 2),
                (2, 4),
                (3, 4),
                (4, 5),
                (5, 7),
                (6, 7),
                (7, 9),
                (8, 9),
                (9, 10),
                (10, 11),
                (1, 11),
                (11, 12),
            ],
        },
    ]
}

impl Graph {
    /// The graph as a standalone SVG.
    #[must_use]
    pub fn svg(&self) -> String {
        let (bw, bh, gx, gy) = (118.0, 34.0, 150.0, 70.0);
        let min_row = self.nodes.iter().fold(f64::INFINITY, |m, n| m.min(n.2));
        let max_row = self.nodes.iter().fold(f64::NEG_INFINITY, |m, n| m.max(n.2));
        let max_col = self.nodes.iter().fold(0.0f64, |m, n| m.max(n.1));
        let (w, h) = ((max_col + 1.0) * gx + 20.0, (max_row - min_row + 1.0) * gy + 20.0);
        let pos = |n: &Node| (20.0 + n.1 * gx, 20.0 + (n.2 - min_row) * gy);
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"sans-serif\" font-size=\"12\">\
             <defs><marker id=\"arrow{f}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker></defs>\
             <rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            f = self.figure
        );
        for &(a, b) in &self.edges {
            let ((x1, y1), (x2, y2)) = (pos(&self.nodes[a]), pos(&self.nodes[b]));
            let (sx, sy) = (x1 + bw, y1 + bh / 2.0);
            let (ex, ey) = if x2 > x1 {
                (x2, y2 + bh / 2.0)
            } else {
                (x2 + bw / 2.0, y2 + if y2 > y1 { 0.0 } else { bh })
            };
            s += &format!(
                "<line x1=\"{sx:.1}\" y1=\"{sy:.1}\" x2=\"{ex:.1}\" y2=\"{ey:.1}\" stroke=\"#444\" marker-end=\"url(#arrow{})\"/>",
                self.figure
            );
        }
        for n in &self.nodes {
            let (x, y) = pos(n);
            let leaf = !n.0.contains('=');
            let fill = if leaf { "#e8f0fe" } else { "#fff7e0" };
            s += &format!(
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw}\" height=\"{bh}\" rx=\"6\" fill=\"{fill}\" stroke=\"#555\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + bw / 2.0,
                y + bh / 2.0 + 4.0,
                n.0.replace('&', "&amp;").replace('<', "&lt;")
            );
        }
        s + "</svg>\n"
    }
}
