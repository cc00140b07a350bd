export declare const MINIMUM: string;
export declare function isSupported(version: string): boolean;
export declare function installHint(platform: string, arch: string): string;
export declare function versionProblem(version: string, platform: string, arch: string): string | null;
