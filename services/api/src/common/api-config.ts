import type { AppConfig } from '@backtrac/config';

export const API_CONFIG = Symbol('API_CONFIG');
export type ApiConfig = AppConfig;
