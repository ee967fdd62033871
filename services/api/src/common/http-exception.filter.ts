import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { QueryFailedError } from 'typeorm';

interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error: string;
}

// Postgres error codes that mean "your input is wrong", not "the server is broken".
const PG_UNIQUE_VIOLATION = '23505';
const PG_FOREIGN_KEY_VIOLATION = '23503';
const PG_INVALID_TEXT = '22P02';

/** The api's one exception filter: every error becomes {statusCode, message, error}; no stack leaks. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      if (typeof payload === 'object' && payload !== null && 'message' in payload) {
        const { message, error } = payload as { message: string | string[]; error?: string };
        return { statusCode: status, message, error: error ?? HttpStatus[status] ?? 'Error' };
      }
      return { statusCode: status, message: exception.message, error: HttpStatus[status] ?? 'Error' };
    }
    if (exception instanceof QueryFailedError) {
      const { code, detail } = exception.driverError as { code?: string; detail?: string };
      if (code === PG_UNIQUE_VIOLATION) return { statusCode: 409, message: `Already exists: ${describeKey(detail)}`, error: 'Conflict' };
      if (code === PG_FOREIGN_KEY_VIOLATION) return { statusCode: 400, message: `Refers to something that does not exist: ${describeKey(detail)}`, error: 'Bad Request' };
      if (code === PG_INVALID_TEXT) return { statusCode: 400, message: 'A value has the wrong format', error: 'Bad Request' };
    }
    // body-parser errors carry their own 4xx status (malformed JSON, body too large).
    const status = (exception as { status?: unknown; type?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const type = (exception as { type?: unknown }).type;
      const message = type === 'entity.parse.failed' ? 'The request body is not valid JSON' : (exception as Error).message;
      return { statusCode: status, message, error: HttpStatus[status] ?? 'Bad Request' };
    }
    return { statusCode: 500, message: 'Internal server error', error: 'Internal Server Error' };
  }
}

/** Turns Postgres' "Key (name)=(x) already exists." into "name x". */
function describeKey(detail: string | undefined): string {
  const match = detail?.match(/^Key \((.+)\)=\((.*)\)/);
  return match ? `${match[1]} ${match[2]}` : 'a related record';
}
