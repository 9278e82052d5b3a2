/**
 * A race or a disk error at one exact instant of an in-process run: replaces one function of
 * node:fs/promises for the whole process (syncBuiltinESMExports makes the modules that
 * imported it by name see the replacement, as helper-83's preloads did for a spawned run),
 * until `restore()`. For tests whose finding lives between two system calls of the inbox
 * (a file renamed over the payroll between a look and a link; a full disk at one file), which
 * no spawned run can hit on time. Always restore in a `finally`.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

type Promises = typeof fs.promises;

export function replaceFs<K extends keyof Promises>(
  name: K,
  make: (real: Promises[K]) => Promises[K],
): { restore: () => void } {
  const real = fs.promises[name];
  (fs.promises as Record<string, unknown>)[name] = make(real);
  syncBuiltinESMExports();
  return {
    restore: () => {
      (fs.promises as Record<string, unknown>)[name] = real;
      syncBuiltinESMExports();
    },
  };
}

/** An Error as the system gives it (code, errno name, syscall, path), for isDiskFailure. */
export function systemError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${path}'`);
  error.code = code;
  error.syscall = syscall;
  error.path = path;
  return error;
}
