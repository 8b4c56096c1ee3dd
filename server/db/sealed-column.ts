// The type of a sealed value as repositories take it for storage. Only sealSecret
// (../secrets/sealed-secret.ts) makes one; the brand keeps a plaintext from being stored by mistake.
declare const sealedBrand: unique symbol;
/** Text made by sealSecret: the only kind of secret value repositories accept for storage. */
export type SealedSecret = string & { readonly [sealedBrand]: true };
