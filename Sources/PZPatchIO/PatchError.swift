import PZGraph

/// A patch file that cannot be read or written.
public typealias PatchError = FileError
