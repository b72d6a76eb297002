// A TCP server for tests in another network namespace: listens on the address given as the
// first argument (port 0), prints the port, accepts one connection, counts what it receives
// until the client closes its side, answers with the count as text, and exits.
const listener = Deno.listen({ hostname: Deno.args[0] ?? "127.0.0.1", port: 0 });
console.log((listener.addr as Deno.NetAddr).port);
const conn = await listener.accept();
const buffer = new Uint8Array(65536);
let received = 0;
for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) received += n;
await conn.write(new TextEncoder().encode(String(received)));
conn.close();
listener.close();
