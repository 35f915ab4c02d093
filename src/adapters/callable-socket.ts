// node:net's classes can be called without `new` (`net.Socket()` is a new Socket): the drop-in's
// exported class is a Proxy whose call is a construction. instanceof, statics, the prototype and
// subclassing (`class X extends net.Socket`) all go through to the class itself.

/** `Class` that may also be called as a function, constructing an instance. */
export type CallableClass<C extends abstract new (...args: never[]) => unknown> = C & ((...args: ConstructorParameters<C>) => InstanceType<C>);

export function callableSocketClass<C extends new (...args: never[]) => unknown>(Class: C): CallableClass<C> {
  return new Proxy(Class, {
    apply: (target, _thisArg, args: unknown[]): unknown => Reflect.construct(target, args),
  }) as CallableClass<C>;
}
