import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BaseRpcContext, MessagePattern, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { XmlRpcEndpoint, type XmlRpcEndpointOptions } from './xmlrpc.endpoint.js';
import { toFaultBody, XmlRpcError, type XmlRpcFaultBody } from './xmlrpc.errors.js';
import { XmlRpcMethodRegistry, type XmlRpcCallMeta, type XmlRpcMethodInfo } from './xmlrpc.methods.js';

/** Transport id so `@MessagePattern(name, XMLRPC_TRANSPORT)` can target this transport in a hybrid app. */
export const XMLRPC_TRANSPORT: unique symbol = Symbol('XMLRPC_TRANSPORT');

const INFO_KEY = 'xmlrpc';

/**
 * Declares a handler for one XML-RPC method: a @MessagePattern whose extras carry the help text and
 * signatures that system.methodHelp / system.methodSignature report and the transport enforces.
 * The handler receives the params array as its payload and an XmlRpcContext.
 */
export function XmlRpcMethod(methodName: string, info: XmlRpcMethodInfo = {}): MethodDecorator {
  return MessagePattern(methodName, { [INFO_KEY]: info });
}

/** Handler context: `getMethodName()`, `getRemoteAddress()`, `getRequest()`. */
export class XmlRpcContext extends BaseRpcContext<[XmlRpcCallMeta]> {
  getMethodName(): string {
    return this.args[0].methodName;
  }
  getRemoteAddress(): string {
    return this.args[0].remoteAddress;
  }
  getRequest(): IncomingMessage {
    return this.args[0].request;
  }
}

/**
 * Nest custom transport serving XML-RPC over HTTP on its own port.
 *
 *   app.connectMicroservice({ strategy: new XmlRpcServer({ port: 8081 }) })
 *
 * Every @MessagePattern / @XmlRpcMethod handler becomes a method named by its pattern string.
 * Handler errors that are XmlRpcError subclasses become faults with their faultCode and code;
 * anything else becomes INTERNAL_ERROR (-32603) without details.
 */
export class XmlRpcServer extends Server implements CustomTransportStrategy {
  override transportId = XMLRPC_TRANSPORT;
  private endpoint: XmlRpcEndpoint | undefined;

  constructor(private readonly options: XmlRpcEndpointOptions) {
    super();
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      const registry = new XmlRpcMethodRegistry();
      for (const [pattern, handler] of this.messageHandlers) {
        if (handler.isEventHandler) continue;
        const extras = handler.extras as Record<string, unknown> | undefined;
        const info = (extras?.[INFO_KEY] ?? {}) as XmlRpcMethodInfo;
        registry.add(pattern, info, (params, meta) => this.invokeHandler(handler, params, meta));
      }
      this.endpoint = new XmlRpcEndpoint(
        {
          ...this.options,
          onInternalError: (error, methodName) => {
            this.logger.error(`XML-RPC ${methodName || '(unparsed)'} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
            this.options.onInternalError?.(error, methodName);
          },
        },
        registry,
      );
      await this.endpoint.listen();
      this._status$.next('listening');
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private async invokeHandler(handler: MessageHandler, params: unknown[], meta: XmlRpcCallMeta): Promise<unknown> {
    const context = new XmlRpcContext([meta]);
    let value: unknown;
    try {
      const out: unknown = await handler(params, context);
      value = await lastValueFrom(this.transformToObservable(out), { defaultValue: null });
    } catch (error) {
      // Nest's exception filter hands us RpcException#getError(), i.e. a fault body for XmlRpcError.
      if (error instanceof XmlRpcError) throw error;
      const body = toFaultBody(error);
      throw new PassedFault(body);
    }
    return value;
  }

  /** The bound address (useful with port 0). */
  address(): AddressInfo | null {
    return this.endpoint?.address() ?? null;
  }

  async close(): Promise<void> {
    await this.endpoint?.close();
    this.endpoint = undefined;
    this._status$.next('closed');
  }

  on(): never {
    throw new Error('XmlRpcServer has no events');
  }

  unwrap<T>(): T {
    if (!this.endpoint) throw new Error('XmlRpcServer is not listening');
    return this.endpoint.server as T;
  }
}

/** Carries a fault body produced by an exception filter through the endpoint unchanged. */
class PassedFault extends XmlRpcError {
  readonly faultCode: number;
  readonly code: string;
  constructor(body: XmlRpcFaultBody) {
    super(body.faultString);
    this.faultCode = body.faultCode;
    this.code = body.code;
  }
}

