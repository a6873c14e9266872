import { Field, ObjectType } from 'type-graphql';
import { Auth } from '../auth/auth-rule';

@Auth(['USER', 'PROCESSING_SERVICE'])
@ObjectType('PageInfo')
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}
