/**
 * Rebuilds the packages whose sources changed since their dist was built, and
 * returns their names; `root` is the repository's by default.
 */
export declare const ensureFresh: (report?: (line: string) => void, root?: string) => Array<string>
