import { Field, InputType } from 'type-graphql';

@InputType('CreateUserInput')
export class CreateUserInput {
  @Field(() => String)
  email!: string;

  @Field(() => String, { description: 'At least 12 characters.' })
  password!: string;

  @Field(() => Boolean, { nullable: true, defaultValue: false })
  isSuperuser?: boolean;
}
