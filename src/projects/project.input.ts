import { Field, InputType } from 'type-graphql';

@InputType('CreateProjectInput')
export class CreateProjectInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string;
}
