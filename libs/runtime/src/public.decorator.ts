import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'backtrac:public';
/** Marks an endpoint that needs no session (login, health). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
