// placeholder until the SDK lands
export {};
