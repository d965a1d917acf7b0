// PostGraphile 5 declares Node.js >= 22; of what 22 added, it uses Promise.withResolvers. The
// machines running this benchmark may have Node.js 20 (Debian's): provide it before it loads.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
