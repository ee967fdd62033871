declare module 'zip-stream' {
  import { Transform } from 'node:stream';

  export interface ZipStreamOptions {
    store?: boolean;
    forceZip64?: boolean;
    zlib?: { level?: number };
  }

  export interface ZipEntryData {
    name: string;
    type?: 'file' | 'directory' | 'symlink';
    date?: Date;
    mode?: number;
    linkname?: string;
    store?: boolean;
  }

  export default class ZipStream extends Transform {
    constructor(options?: ZipStreamOptions);
    entry(source: NodeJS.ReadableStream | Buffer | string | null, data: ZipEntryData, callback: (error: Error | null) => void): this;
    finalize(): void;
  }
}
