/// `⌊a / b⌋` for `b > 0`, also for negative `a` (Swift's `/` truncates toward zero).
@inlinable
public func floorDivide(_ a: Int, _ b: Int) -> Int {
    let quotient = a / b
    return (a % b != 0 && a < 0) ? quotient - 1 : quotient
}

/// `⌈a / b⌉` for `b > 0`, also for negative `a`.
@inlinable
public func ceilDivide(_ a: Int, _ b: Int) -> Int {
    -floorDivide(-a, b)
}
