// node:net's constructors predate ES classes and work without `new` (`net.Server()`,
// `net.Socket()`); code and Node's own tests call them both ways. A class cannot be called, so
// the drop-in exports a Proxy of it whose call trap constructs. `new`, `instanceof`, statics,
// `prototype` and `class X extends net.Server` all reach the class itself through the Proxy.

/** Any class; `never` parameters accept every constructor signature. */
type AnyClass = abstract new (...args: never) => object;

/** The class, also callable: a call returns a new instance, as `new` does. */
export type CallableClass<C extends AnyClass> = C & ((...args: ConstructorParameters<C>) => InstanceType<C>);

/**
 * `klass`, callable without `new`. Instances keep the class itself as their `constructor` (so
 * stack traces read `Server.emit`); `instanceof` holds against both.
 *
 * Use: declare the class under its own name, then export the wrapper and a type of that name:
 * ```ts
 * class Socket extends Duplex { ... }
 * const CallableSocket = callableClass(Socket);
 * type CallableSocket = Socket;
 * export { CallableSocket as Socket };
 * ```
 */
export function callableClass<C extends AnyClass>(klass: C): CallableClass<C> {
  return new Proxy(klass, {
    apply: (target, _thisArg, args: unknown[]) => Reflect.construct(target, args) as object,
  }) as CallableClass<C>;
}
