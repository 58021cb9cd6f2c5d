import PZGraph

/// Index arithmetic for a 5-D NCDHW tensor in C order.
struct Shape5 {
    let n: Int, c: Int, d: Int, h: Int, w: Int

    init(_ dims: [Int]) {
        precondition(dims.count == 5, "activation shapes are 5-D NCDHW")
        (n, c, d, h, w) = (dims[0], dims[1], dims[2], dims[3], dims[4])
    }

    var dims: [Int] { [n, c, d, h, w] }
    var spatial: [Int] { [d, h, w] }
    var count: Int { n * c * d * h * w }
    /// Elements per channel plane (D·H·W).
    var planeSize: Int { d * h * w }

    @inline(__always)
    func offset(_ n: Int, _ c: Int, _ d: Int, _ h: Int, _ w: Int) -> Int {
        (((n * self.c + c) * self.d + d) * self.h + h) * self.w + w
    }

    /// Strides of the five axes.
    var strides: [Int] { [c * d * h * w, d * h * w, h * w, w, 1] }
}
