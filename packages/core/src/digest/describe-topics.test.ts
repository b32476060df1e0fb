import { describeTopics } from './digest.renderer';

describe('describeTopics', () => {
  test('when topics are stored in any of their three shapes, then each slug is named once', () => {
    expect(describeTopics(['topic:career-fairs', 'tag:career-fairs', 'category:internships'])).toBe(
      'career-fairs, internships',
    );
  });

  test('when no topic is stored, then it says everything', () => {
    expect(describeTopics([])).toBe('everything');
  });
});
